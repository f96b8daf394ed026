"""Access functions for safety plans and alerts: each returns the object or raises Http404."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from mindhaven.accounts.models import CareLink, User
from mindhaven.accounts.permissions import get_client_for_clinician
from mindhaven.core.audit import record_access
from mindhaven.safety.models import SafetyAlert, SafetyPlan

PLAN_CATEGORY = "safety_plan"
ALERT_CATEGORY = "safety_alerts"
ALERTS_SHOWN = 100


def require_member(user: User) -> None:
    """PermissionDenied for anyone but a member: only members have a safety plan."""
    if user.role != User.Role.MEMBER:
        raise PermissionDenied("only members have a safety plan")


def require_clinician(user: User) -> None:
    if user.role != User.Role.CLINICIAN:
        raise PermissionDenied("only clinicians receive safety alerts")


def get_plan_for_member(user: User) -> SafetyPlan | None:
    """The member's own plan, or None before they first save one."""
    require_member(user)
    return SafetyPlan.objects.filter(member=user).first()


def get_plan_for_clinician(
    user: User, client_code: UUID | str, *, request: HttpRequest | None = None
) -> tuple[User, SafetyPlan | None]:
    """The client and their plan (None if none yet), for a linked clinician with the
    client's `safety_plan` consent; audited. Anyone else gets 404."""
    member = get_client_for_clinician(user, client_code, PLAN_CATEGORY)
    plan = SafetyPlan.objects.filter(member=member).first()
    record_access(
        actor=user,
        subject=member,
        category=PLAN_CATEGORY,
        action="view",
        obj=plan,
        object_type="safety.safetyplan",
        request=request,
    )
    return member, plan


def _active_link(alert: SafetyAlert) -> bool:
    return CareLink.objects.filter(
        member=alert.member, clinician=alert.clinician, ended_at__isnull=True
    ).exists()


def get_alerts_for_clinician(
    user: User, *, request: HttpRequest | None = None
) -> list[SafetyAlert]:
    """The newest alerts addressed to `user` from members still linked to them.

    Each alert shown is one audited view (category safety_alerts). PermissionDenied for
    anyone who is not a clinician.
    """
    require_clinician(user)
    alerts = list(
        SafetyAlert.objects.filter(
            clinician=user,
            member__is_active=True,
            member__care_links__clinician=user,
            member__care_links__ended_at__isnull=True,
        )
        .select_related("member", "acknowledged_by")
        .distinct()[:ALERTS_SHOWN]
    )
    for alert in alerts:
        record_access(
            actor=user,
            subject=alert.member,
            category=ALERT_CATEGORY,
            action="view",
            obj=alert,
            request=request,
        )
    return alerts


def get_alert_for_clinician(user: User, code: UUID | str) -> SafetyAlert:
    """The alert with this code, when it was sent to `user` and the member is still
    linked to them; anything else is 404."""
    try:
        code = code if isinstance(code, UUID) else UUID(str(code))
    except ValueError:
        raise Http404 from None
    alert = SafetyAlert.objects.filter(code=code).select_related("member", "clinician").first()
    if alert is None:
        raise Http404
    if user.role != User.Role.CLINICIAN:
        raise Http404
    if alert.clinician_id != user.pk:
        raise Http404
    if not alert.member.is_active:
        raise Http404
    if not _active_link(alert):
        raise Http404
    return alert
