"""What the urgent support panel shows a member: plan, emergency numbers, crisis lines.

The panel (templates/safety/panel.html) is included by any page that stores free text
and finds it urgent; `panel_context(member)` gives everything it needs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from mindhaven.accounts.models import CareLink, User
from mindhaven.safety.models import SafetyAlert, SafetyPlan

EU_112 = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
]
# Emergency (police, ambulance, fire) numbers, by ISO 3166-1 country code.
EMERGENCY_NUMBERS: dict[str, tuple[str, ...]] = {
    "US": ("911",),
    "CA": ("911",),
    "MX": ("911",),
    "GB": ("999", "112"),
    "IE": ("112", "999"),
    "AU": ("000",),
    "NZ": ("111",),
    **{code: ("112",) for code in EU_112},
}
# How many items of each section the panel shows before "see your whole plan".
TOP_ITEMS = 3
# An alert younger than this is "already sent": the panel says so instead of offering it.
RECENT_ALERT = timedelta(hours=12)


@dataclass(frozen=True)
class Line:
    name: str
    phone: str = ""
    sms: str = ""
    hours: str = ""
    url: str = ""


def emergency_numbers(country: str) -> tuple[str, ...]:
    """The country's emergency numbers; empty when we do not know them for sure."""
    return EMERGENCY_NUMBERS.get((country or "").upper(), ())


def _field(item: Any, *names: str) -> str:
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value:
            return str(value)
    return ""


def crisis_lines(country: str, locale: str) -> list[Line]:
    """Crisis lines from `safety.resources.lines_for` when that module exists, else none.

    Read loosely (objects or dicts), so that its exact shape may still change.
    """
    try:
        resources = importlib.import_module("mindhaven.safety.resources")
    except ImportError:
        return []
    lines_for = getattr(resources, "lines_for", None)
    if lines_for is None:
        return []
    lines = []
    for item in lines_for(country, locale) or ():
        name = _field(item, "name")
        if name:
            lines.append(
                Line(
                    name=name,
                    phone=_field(item, "phone"),
                    sms=_field(item, "sms", "text"),
                    hours=_field(item, "hours"),
                    url=_field(item, "url", "chat_url"),
                )
            )
    return lines


def tel(number: str) -> str:
    """A tel:/sms: target: digits and a leading +, nothing else."""
    cleaned = "".join(ch for ch in number if ch.isdigit())
    return ("+" if number.strip().startswith("+") else "") + cleaned


def linked_clinicians(member: User) -> list[User]:
    links = CareLink.objects.filter(
        member=member, ended_at__isnull=True, clinician__is_active=True
    ).select_related("clinician")
    return [link.clinician for link in links]


def panel_context(member: User) -> dict[str, Any]:
    """Everything templates/safety/panel.html shows, for this member."""
    plan = SafetyPlan.objects.filter(member=member).first()
    sections = plan.sections if plan is not None else {}
    is_member = member.role == User.Role.MEMBER
    recent = list(
        SafetyAlert.objects.filter(
            member=member, created_at__gte=timezone.now() - RECENT_ALERT
        ).select_related("clinician")
    )
    numbers = emergency_numbers(member.country)
    return {
        "is_member": is_member,
        "plan": plan,
        "coping": sections.get("coping_strategies", [])[:TOP_ITEMS],
        "people": [
            {"name": p.get("name", ""), "phone": p.get("phone", ""), "tel": tel(p.get("phone", ""))}
            for p in sections.get("people", [])[:TOP_ITEMS]
            if isinstance(p, dict)
        ],
        "emergency": [{"number": n, "tel": tel(n)} for n in numbers],
        "lines": [
            {"line": line, "tel": tel(line.phone), "sms": tel(line.sms)}
            for line in crisis_lines(member.country, member.locale)
        ],
        "clinicians": linked_clinicians(member) if is_member else [],
        "told": sorted({alert.clinician.name for alert in recent}),
    }
