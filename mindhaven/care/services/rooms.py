"""Video rooms: the waiting room, admission, the end of a call, and in-call chat.

Only these functions change a room, and each tells the room's group
("care.room.<appointment code>") once its transaction commits, so that every socket
of the call hears it whichever server process holds it. Signalling itself (offers,
answers, candidates) is relayed by the consumer and never touches the database.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mindhaven.accounts.models import User
from mindhaven.care.models import VideoRoom
from mindhaven.notifications.services import notified_since, notify, push_badge
from mindhaven.safety import Level, assess_text
from mindhaven.safety.models import SafetyAlert
from mindhaven.safety.services import raise_alert_if_urgent

logger = logging.getLogger("mindhaven.care.rooms")

CHAT_MAX_LENGTH = 2_000
WAITING_KIND = "care.room_waiting"
# A member whose page comes back into the waiting room within this time (a reload, a
# network drop) does not notify the clinician again.
RENOTIFY_AFTER = timedelta(minutes=10)
ALERT_SOURCE = SafetyAlert.Source.VIDEO.value
MEMBER = "member"
CLINICIAN = "clinician"


def room_group(room: VideoRoom) -> str:
    return f"care.room.{room.appointment.code}"


def role_in(room: VideoRoom, user: User) -> str:
    """ "member" or "clinician"; PermissionDenied for anyone else (the access function
    keeps them out long before this)."""
    if user.pk == room.appointment.member_id:
        return MEMBER
    if user.pk == room.appointment.clinician_id:
        return CLINICIAN
    raise PermissionDenied("not a participant of this appointment")


def _send_after_commit(room: VideoRoom, event: dict[str, Any]) -> None:
    group = room_group(room)

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, event)

    transaction.on_commit(send)


def _locked(room: VideoRoom) -> VideoRoom:
    return (
        VideoRoom.objects.select_for_update()
        .select_related("appointment__member", "appointment__clinician")
        .get(pk=room.pk)
    )


def waiting_badge(room: VideoRoom) -> str:
    """The name of the marker beside the appointment in the clinician's lists."""
    return f"room-{room.appointment.code}"


def _tell_clinician_who_waits(room: VideoRoom) -> None:
    """After commit: the clinician's open tabs show (or stop showing) "Waiting" beside
    the appointment, as care/rooms/_waiting.html renders it for them."""
    clinician = room.appointment.clinician
    waiting = room.member_waiting_since is not None and room.admitted_at is None
    with translation.override(clinician.locale), timezone.override(clinician.timezone):
        html = render_to_string("care/rooms/_waiting.html", {"waiting": waiting, "room": room})
    transaction.on_commit(lambda: push_badge(user=clinician, name=waiting_badge(room), html=html))


@transaction.atomic
def enter_waiting_room(*, room: VideoRoom, member: User) -> VideoRoom:
    """The member has come in: note since when they wait and tell the clinician in the
    app (not again within RENOTIFY_AFTER, for a connection that comes and goes). The
    notification names no one: it may also be emailed."""
    if role_in(room, member) != MEMBER:
        raise PermissionDenied("only the member waits to be admitted")
    room = _locked(room)
    if room.member_waiting_since is not None or room.admitted_at is not None:
        return room
    now = timezone.now()
    room.member_waiting_since = now
    room.save(update_fields=["member_waiting_since"])
    _tell_clinician_who_waits(room)
    clinician = room.appointment.clinician
    url = reverse("care:room", args=[room.appointment.code])
    if notified_since(user=clinician, kind=WAITING_KIND, url=url, since=now - RENOTIFY_AFTER):
        return room
    with translation.override(clinician.locale):
        notify(
            user=clinician,
            kind=WAITING_KIND,
            title=_("A client is in the waiting room."),
            body=_("Open the video session to admit them."),
            url=url,
        )
    return room


@transaction.atomic
def leave_waiting_room(*, room: VideoRoom, member: User) -> VideoRoom:
    """The member's page went away before they were admitted: they no longer wait."""
    if role_in(room, member) != MEMBER:
        raise PermissionDenied("only the member waits to be admitted")
    room = _locked(room)
    if room.member_waiting_since is None or room.admitted_at is not None:
        return room
    room.member_waiting_since = None
    room.save(update_fields=["member_waiting_since"])
    _tell_clinician_who_waits(room)
    return room


@transaction.atomic
def admit_member(*, room: VideoRoom, clinician: User) -> VideoRoom:
    """The clinician lets the member in (or reopens an ended call); both sides hear
    "room.admitted" after commit. Admitting again while admitted changes nothing."""
    if role_in(room, clinician) != CLINICIAN:
        raise PermissionDenied("only the clinician admits")
    room = _locked(room)
    if room.admitted_at is not None and room.ended_at is None:
        return room
    room.admitted_at = timezone.now()
    room.ended_at = None
    room.save(update_fields=["admitted_at", "ended_at"])
    _tell_clinician_who_waits(room)
    _send_after_commit(room, {"type": "room.admitted", "at": room.admitted_at.isoformat()})
    return room


@transaction.atomic
def end_call(*, room: VideoRoom, by: User) -> VideoRoom:
    """Either participant ends the call for both; "room.ended" goes to the group after
    commit. The member waits again if the clinician reopens it."""
    role = role_in(room, by)
    room = _locked(room)
    if room.ended_at is not None:
        return room
    room.ended_at = timezone.now()
    room.member_waiting_since = None
    room.save(update_fields=["ended_at", "member_waiting_since"])
    _send_after_commit(room, {"type": "room.ended", "by": role})
    return room


@dataclass(frozen=True)
class ChatLine:
    id: str
    role: str
    name: str
    text: str
    at: str
    urgent: bool


def clean_chat_text(text: object) -> str:
    if not isinstance(text, str):
        raise ValidationError({"text": _("The message must be text.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a message first.")})
    if len(text) > CHAT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("A message can be at most %(max)d characters.") % {"max": CHAT_MAX_LENGTH}}
        )
    return text


@transaction.atomic
def send_call_chat(
    *,
    room: VideoRoom,
    author: User,
    text: object,
    client_id: UUID,
) -> ChatLine:
    """Send one in-call chat line to both sides; it is never stored (see decisions.md).

    A member's line passes through `safety.assess_text`; when urgent, their clinicians
    who receive safety alerts are alerted (the alert holds no text) and the line goes
    out marked urgent, so the member's page opens the support panel.
    """
    role = role_in(room, author)
    clean = clean_chat_text(text)
    urgent = False
    if role == MEMBER:
        level = assess_text(clean, locale=author.locale).level
        urgent = level == Level.URGENT
        raise_alert_if_urgent(member=author, level=level, source=ALERT_SOURCE)
    line = ChatLine(
        id=str(client_id),
        role=role,
        name=author.name,
        text=clean,
        at=timezone.now().isoformat(),
        urgent=urgent,
    )
    _send_after_commit(room, {"type": "room.chat", **asdict(line)})
    return line
