"""`{% room_entry appointment as entry %}`: whether and how the signed-in person can
enter the appointment's video room now (for care/rooms/_join.html)."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment, VideoRoom
from mindhaven.care.permissions import room_window
from mindhaven.care.services.booking import when_text

register = template.Library()


@register.simple_tag(takes_context=True)
def room_entry(context: template.Context, appointment: Appointment) -> dict[str, Any]:
    """{"open", "url", "opens", "opens_text", "closes", "is_member", "admitted", "room",
    "waiting", "upcoming"}: open when the room's window (permissions.room_window) holds now, for a
    participant."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if not isinstance(user, User) or not appointment.is_booked:
        return {"open": False, "upcoming": False}
    if user.pk not in (appointment.member_id, appointment.clinician_id):
        return {"open": False, "upcoming": False}
    opens, closes = room_window(appointment, user)
    now = timezone.now()
    is_open = opens <= now <= closes
    # Only an open room is looked up: lists of appointments ask this of each one.
    room = VideoRoom.objects.filter(appointment=appointment).first() if is_open else None
    return {
        "open": is_open,
        "upcoming": now < opens,
        "url": reverse("care:room", args=[appointment.code]),
        "opens": opens,
        # In the viewer's zone, named, like every other time on the appointment page.
        "opens_text": when_text(opens, user),
        "closes": closes,
        "is_member": user.pk == appointment.member_id,
        "admitted": room is not None and room.admitted_at is not None and room.ended_at is None,
        "room": room,
        "waiting": (
            room is not None and room.member_waiting_since is not None and room.admitted_at is None
        ),
    }
