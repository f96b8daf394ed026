"""Shared set-up for booking tests: bob's availability in London, alice linked to him."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, link_member
from mindhaven.care.models import ClinicianProfile
from mindhaven.care.services import availability

MONDAY_MORNING = [availability.WindowIn(0, time(9, 0), time(12, 0))]


def give_bob_hours(bob: User, **rules: Any) -> ClinicianProfile:
    """Mondays 09:00-12:00 London, 50-minute sessions, 10 minutes between, two years ahead."""
    defaults: dict[str, Any] = {
        "timezone": "Europe/London",
        "slot_minutes": 50,
        "buffer_minutes": 10,
        "min_notice_hours": 24,
        "horizon_days": 730,
        "cancel_notice_hours": 24,
    }
    return availability.set_availability(
        clinician=bob, rules=defaults | rules, weekly=MONDAY_MORNING, exceptions=[]
    )


def link(member: User, clinician: User) -> None:
    """Link them, the member having agreed to the privacy summary (booking needs it)."""
    agree_to_privacy(user=member)
    link_member(member=member, clinician=clinician, how="invite")


def iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def next_monday(after: date) -> date:
    return after + timedelta(days=7 - after.weekday())
