"""Writes for the safety plan and safety alerts. Every one goes through these functions."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mindhaven.accounts.models import User
from mindhaven.accounts.permissions import has_consent
from mindhaven.core.audit import record_access
from mindhaven.notifications.services import notify
from mindhaven.safety.assess import Level, assess_text
from mindhaven.safety.models import (
    CONTACT_SECTIONS,
    SECTION_KEYS,
    SafetyAlert,
    SafetyPlan,
    Sections,
    empty_sections,
)
from mindhaven.safety.panel import emergency_numbers, linked_clinicians

logger = logging.getLogger("mindhaven.safety")

ITEM_MAX_LENGTH = 300
NAME_MAX_LENGTH = 120
PHONE_MAX_LENGTH = 40
ITEMS_MAX = 30
PHONE_RE = re.compile(r"^\+?[0-9 ().\-]*[0-9][0-9 ().\-]*$")
ALERT_CATEGORY = "safety_alerts"
ALERT_KIND = "safety_alert"


# --- the safety plan ------------------------------------------------------------------


def _clean_text_items(key: str, items: object, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(items, list | tuple):
        errors.setdefault(key, []).append(_("This must be a list of short items."))
        return []
    cleaned: list[str] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, str):
            errors.setdefault(key, []).append(_("Item %(n)d must be text.") % {"n": number})
            continue
        text = " ".join(item.split())
        if len(text) > ITEM_MAX_LENGTH:
            errors.setdefault(key, []).append(
                _("Item %(n)d is longer than %(max)d characters.")
                % {"n": number, "max": ITEM_MAX_LENGTH}
            )
        elif text:
            cleaned.append(text)
    return cleaned


def _clean_contacts(key: str, items: object, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    if not isinstance(items, list | tuple):
        errors.setdefault(key, []).append(_("This must be a list of names and phone numbers."))
        return []
    cleaned: list[dict[str, str]] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            errors.setdefault(key, []).append(
                _("Item %(n)d must have a name and a phone number.") % {"n": number}
            )
            continue
        name = " ".join(str(item.get("name") or "").split())
        phone = " ".join(str(item.get("phone") or "").split())
        if not name and not phone:
            continue
        if not name:
            errors.setdefault(key, []).append(_("Item %(n)d needs a name.") % {"n": number})
        elif len(name) > NAME_MAX_LENGTH:
            errors.setdefault(key, []).append(
                _("The name in item %(n)d is longer than %(max)d characters.")
                % {"n": number, "max": NAME_MAX_LENGTH}
            )
        if phone and (len(phone) > PHONE_MAX_LENGTH or not PHONE_RE.match(phone)):
            errors.setdefault(key, []).append(
                _(
                    "The phone number in item %(n)d can only have digits, spaces, "
                    "+ ( ) - and dots, and at most %(max)d characters."
                )
                % {"n": number, "max": PHONE_MAX_LENGTH}
            )
        cleaned.append({"name": name, "phone": phone})
    return cleaned


def _plan_text(sections: Sections) -> str:
    lines: list[str] = []
    for key in SECTION_KEYS:
        for item in sections[key]:
            lines.append(item["name"] if isinstance(item, dict) else item)
    return "\n".join(lines)


@transaction.atomic
def save_safety_plan(*, member: User, sections: Mapping[str, object]) -> SafetyPlan:
    """Replace the member's whole plan with `sections` (every section; missing = empty).

    Text sections are lists of short texts; `people` and `professionals` lists of
    {"name", "phone"}. Blank items are dropped. Bad input raises ValidationError naming
    each section, and nothing changes. The plan's text is assessed once
    (safety.assess_text) and always saved, whatever its level: a plan names crisis
    thoughts by design, so it raises no alert.
    """
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(sections) - set(SECTION_KEYS))
    if unknown:
        errors["sections"] = [
            _("Unknown section: %(names)s. Use %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(SECTION_KEYS)}
        ]
    cleaned = empty_sections()
    for key in SECTION_KEYS:
        items = sections.get(key, [])
        if key in CONTACT_SECTIONS:
            cleaned[key] = _clean_contacts(key, items, errors)
        else:
            cleaned[key] = _clean_text_items(key, items, errors)
        if len(cleaned[key]) > ITEMS_MAX:
            errors.setdefault(key, []).append(
                _("At most %(max)d items in a section.") % {"max": ITEMS_MAX}
            )
    if errors:
        raise ValidationError(errors)
    level = assess_text(_plan_text(cleaned), locale=member.locale).level
    plan, _created = SafetyPlan.objects.select_for_update().get_or_create(member=member)
    plan.content = json.dumps(cleaned, ensure_ascii=False)
    plan.safety_level = level.value
    plan.updated_at = timezone.now()
    plan.save()
    return plan


def suggested_professionals(member: User) -> list[dict[str, str]]:
    """What a new plan's "professionals" section starts with: the member's clinicians on
    Mindhaven, then the emergency number for their country."""
    suggestions = [
        {"name": _("%(name)s (my clinician on Mindhaven)") % {"name": c.name}, "phone": ""}
        for c in linked_clinicians(member)
    ]
    numbers = emergency_numbers(member.country)
    suggestions.append(
        {
            "name": _("Emergency services") if numbers else _("My local crisis line"),
            "phone": numbers[0] if numbers else "",
        }
    )
    return suggestions


# --- alerts ---------------------------------------------------------------------------


def _email_clinician(clinician: User) -> None:
    if not clinician.email:
        return
    site = settings.SITE_URL.rstrip("/")
    with translation.override(clinician.locale):
        subject = _("A client you support may need help")
        body = _("A client you support may need help. Open Mindhaven to see: %(url)s") % {
            "url": site + reverse("safety:alerts")
        }
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body + "\n",
        settings.DEFAULT_FROM_EMAIL,
        [clinician.email],
    )


def _alert(*, member: User, clinician: User, source: str, trigger: str) -> SafetyAlert:
    """A new alert and its notification and email; an open one already there is kept.

    One open alert per member and clinician: a second urgent text before the first is
    acknowledged adds nothing the clinician does not already have to act on.
    """
    existing = SafetyAlert.objects.filter(
        member=member, clinician=clinician, acknowledged_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    alert = SafetyAlert.objects.create(
        member=member, clinician=clinician, source=source, trigger=trigger
    )
    with translation.override(clinician.locale):
        notify(
            user=clinician,
            kind=ALERT_KIND,
            title=_("A client you support may need help."),
            body=_("Open Mindhaven to see."),
            url=reverse("safety:alerts"),
        )
    transaction.on_commit(lambda: _email_clinician(clinician))
    return alert


@transaction.atomic
def raise_alert_if_urgent(*, member: User, level: str, source: str) -> list[SafetyAlert]:
    """Alert each linked clinician the member lets receive safety alerts, when `level` is
    urgent; nothing otherwise. Returns the alerts (new, or already open)."""
    if level != Level.URGENT:
        return []
    if member.role != User.Role.MEMBER:
        return []
    return [
        _alert(member=member, clinician=clinician, source=source, trigger="automatic")
        for clinician in linked_clinicians(member)
        if has_consent(clinician=clinician, member=member, category=ALERT_CATEGORY)
    ]


@transaction.atomic
def alert_clinicians(*, member: User, source: str = "panel") -> list[SafetyAlert]:
    """The member asked to let their clinicians know: alert every clinician they are
    linked to, whatever they share (asking is the consent). Empty when there is none."""
    if member.role != User.Role.MEMBER:
        return []
    return [
        _alert(member=member, clinician=clinician, source=source, trigger="member")
        for clinician in linked_clinicians(member)
    ]


@transaction.atomic
def acknowledge_alert(
    *, alert: SafetyAlert, clinician: User, request: HttpRequest | None = None
) -> SafetyAlert:
    """Mark the alert seen and handled by `clinician`, once; audited every time."""
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = clinician
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    record_access(
        actor=clinician,
        subject=alert.member,
        category=ALERT_CATEGORY,
        action="acknowledge",
        obj=alert,
        request=request,
    )
    return alert


def escalation_recipients() -> list[str]:
    """SAFETY_CONTACT_EMAIL, else the email of every active administrator."""
    if settings.SAFETY_CONTACT_EMAIL:
        return [settings.SAFETY_CONTACT_EMAIL]
    admins = User.objects.filter(role=User.Role.ADMIN, is_active=True).exclude(email="")
    return sorted(admins.values_list("email", flat=True))


def escalate_alert(*, alert: SafetyAlert, recipients: Sequence[str]) -> bool:
    """Email the safety contact about one unacknowledged alert, once; False if already done.

    The email names the member's and clinician's accounts, so that someone can act,
    and never anything the member wrote.
    """
    with transaction.atomic():
        claimed = SafetyAlert.objects.filter(
            pk=alert.pk, escalated_at__isnull=True, acknowledged_at__isnull=True
        ).update(escalated_at=timezone.now())
    if not claimed:
        return False
    minutes = int(settings.SAFETY_ESCALATION_MINUTES)
    body = (
        "A safety alert on Mindhaven has not been acknowledged for "
        f"{minutes} minutes.\n\n"
        f"Alert: {alert.code}\n"
        f"Raised: {alert.created_at.isoformat(timespec='minutes')} (UTC)\n"
        f"Member account: {alert.member.username}\n"
        f"Clinician: {alert.clinician.name} <{alert.clinician.email}>\n\n"
        "The member may need help now. Please follow your service's safety procedure: "
        "contact the clinician, or the member through your usual channel.\n"
        "This email holds nothing the member wrote.\n"
    )
    try:
        send_mail(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + "Unacknowledged safety alert",
            body,
            settings.DEFAULT_FROM_EMAIL,
            list(recipients),
        )
    except Exception:
        # Not sent: leave it for the next run rather than mark it done.
        SafetyAlert.objects.filter(pk=alert.pk).update(escalated_at=None)
        raise
    return True
