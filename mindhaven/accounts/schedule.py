from datetime import timedelta

from mindhaven.core.schedule import Job

JOBS = [Job("apply-retention", every=timedelta(days=1))]
