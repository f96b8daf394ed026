"""Periodic jobs of care, run by `mindhaven worker` (see core/schedule.py)."""

from datetime import timedelta

from mindhaven.core.schedule import Job

# Reminders 24 hours and 1 hour ahead: checked every 5 minutes, each sent once.
JOBS = [Job("send-appointment-reminders", timedelta(minutes=5))]
