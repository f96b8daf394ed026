"""English formats: Django's, but with 24-hour times everywhere.

Booking, schedules and the calendar already show "09:00"; Django's English default
("9 a.m.") made the call page, notes and reminders differ from them. Every time shown
is named with its zone, and 24-hour times cannot be misread across a.m. and p.m.
"""

DATETIME_FORMAT = "N j, Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
