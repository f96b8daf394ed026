"""What the safety app puts in a member's export (see mindhaven.core.export)."""

from mindhaven.accounts.models import User
from mindhaven.core.export import ExportFile, register_exporter
from mindhaven.safety.models import SafetyAlert, SafetyPlan

ALERT_COLUMNS = [
    "code",
    "created_at",
    "clinician",
    "source",
    "trigger",
    "acknowledged_at",
    "escalated_at",
]


@register_exporter("safety")
def export_safety(user: User) -> list[ExportFile]:
    plan = SafetyPlan.objects.filter(member=user).first()
    alerts = SafetyAlert.objects.filter(member=user).select_related("clinician")
    rows = [
        {
            "code": alert.code,
            "created_at": alert.created_at,
            "clinician": alert.clinician.username,
            "source": alert.source,
            "trigger": alert.trigger,
            "acknowledged_at": alert.acknowledged_at,
            "escalated_at": alert.escalated_at,
        }
        for alert in alerts
    ]
    plan_content = {**plan.sections, "updated_at": plan.updated_at} if plan is not None else None
    return [
        ExportFile(
            "safety_plan.json",
            plan_content,
            "Your safety plan, section by section (null if you have not written one).",
        ),
        ExportFile(
            "alerts.csv",
            rows,
            "Each safety alert sent to a clinician about you: when, to whom, why, and "
            "when it was acknowledged or escalated. Alerts never include what you wrote.",
            columns=ALERT_COLUMNS,
        ),
    ]
