"""Recording reads of a person's data by someone other than that person.

Access functions call `record_access` whenever the viewer is not the owner; the
owner sees every event on their "who viewed my data" page.
"""

from typing import Any

from django.http import HttpRequest

from mindhaven.core.models import AuditEvent


def request_id_of(request: HttpRequest | None) -> str:
    return str(getattr(request, "request_id", "")) if request is not None else ""


def record_access(
    *,
    actor: Any,
    subject: Any,
    category: str,
    action: str,
    obj: Any = None,
    object_type: str = "",
    request: HttpRequest | None = None,
    request_id: str = "",
) -> AuditEvent | None:
    """Write one audit event, unless the actor is the subject (owners read freely)."""
    if actor.pk == subject.pk:
        return None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_code = str(getattr(obj, "code", None) or getattr(obj, "pk", ""))
    else:
        object_code = ""
    return AuditEvent.objects.create(
        actor_code=actor.code,
        actor_username=actor.username,
        actor_role=actor.role,
        subject_code=subject.code,
        category=category,
        action=action,
        object_type=object_type,
        object_code=object_code,
        request_id=request_id or request_id_of(request),
    )
