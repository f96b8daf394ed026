from datetime import timedelta

from mindhaven.core.schedule import Job

# An unacknowledged alert reaches the safety contact within a minute of its deadline.
JOBS = [Job("escalate-alerts", every=timedelta(minutes=1))]
