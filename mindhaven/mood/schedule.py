from datetime import timedelta

from mindhaven.core.schedule import Job

# A reminder is due at a member's chosen minute; 5 minutes late at most.
JOBS = [Job("send-reminders", every=timedelta(minutes=5))]
