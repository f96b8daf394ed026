"""Video sessions: the room of an appointment (waiting room, then the call) and the
"test my camera and microphone" page. `urlpatterns` is included by care/urls.py."""

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from mindhaven.accounts.models import User
from mindhaven.care.ice import ice_servers_for, ice_transport_policy
from mindhaven.care.permissions import (
    get_appointment_for_participant,
    get_room_for_participant,
    room_window,
)
from mindhaven.care.services import rooms as services
from mindhaven.care.services.rooms import CHAT_MAX_LENGTH
from mindhaven.safety.panel import panel_context


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in person here.
    assert isinstance(request.user, User)
    return request.user


def _media_page(response: HttpResponse) -> HttpResponse:
    """Opt in to camera, microphone (core.middleware.PermissionsPolicyMiddleware)."""
    response["X-Mindhaven-Media"] = "1"
    return response


def call_strings(peer: User) -> dict[str, str]:
    """What call.js says, in the person's language ({rtt} and {loss} filled in there)."""
    name = {"name": peer.name}
    return {
        "starting": _("Starting your camera and microphone…"),
        "waiting": _("Waiting for %(name)s to let you in.") % name,
        "absent": _("%(name)s has not arrived yet.") % name,
        "lobby": _("%(name)s is in the waiting room.") % name,
        "admitted": _("You are in. Connecting…"),
        "connecting": pgettext("video call", "Connecting…"),
        "connected": _("Connected to %(name)s.") % name,
        "reconnecting": pgettext("video call", "Reconnecting…"),
        "peer_left": _("%(name)s left the call. Waiting for them to come back…") % name,
        "ended": _("The session has ended."),
        "replaced": _("You joined this session from another tab or device, so it ended here."),
        "refused": _("This room is not open to you now."),
        "no_media": _(
            "Your camera or microphone could not be started. Check that your browser "
            "may use them; you can still join and listen."
        ),
        "encrypted": _("Encrypted (DTLS-SRTP)"),
        "direct": _("Direct, peer to peer"),
        "relay": _("Through a relay server"),
        "good": pgettext("video call", "Good"),
        "fair": pgettext("video call", "Fair"),
        "poor": pgettext("video call", "Poor"),
        "stats": _("{rtt} ms round trip, {loss} lost"),
        "you": pgettext("video call", "You"),
        "peer_muted": _("%(name)s's microphone is off.") % name,
        "peer_camera_off": _("%(name)s's camera is off.") % name,
        "chat_failed": _("Your message could not be sent. Try again."),
        "camera": _("Camera %(number)s"),
        "microphone": _("Microphone %(number)s"),
    }


@require_safe
def room(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    try:
        video_room = get_room_for_participant(user, code, request=request)
    except Http404:
        # Participants learn when their room opens; anyone else gets the same 404 as
        # for an appointment that does not exist (the line below raises it).
        appointment = get_appointment_for_participant(user, code)
        opens, closes = room_window(appointment, user)
        with timezone.override(user.timezone):
            context = {
                "appointment": appointment,
                "opens": opens,
                "closes": closes,
                "too_early": timezone.now() < opens and appointment.is_booked,
            }
            return render(request, "care/rooms/closed.html", context, status=404)
    appointment = video_room.appointment
    role = services.role_in(video_room, user)
    peer = appointment.clinician if role == services.MEMBER else appointment.member
    with timezone.override(user.timezone):
        context = {
            "appointment": appointment,
            "room": video_room,
            "role": role,
            "peer": peer,
            "ws_path": f"/ws/care/rooms/{appointment.code}/",
            "ice_url": f"/api/v1/care/rooms/{appointment.code}/ice",
            "ice_servers": ice_servers_for(user),
            "ice_policy": ice_transport_policy(),
            "chat_max": CHAT_MAX_LENGTH,
            "panel": panel_context(user) if role == services.MEMBER else None,
            "device_test_url": reverse("care:device-test"),
            "strings": call_strings(peer),
        }
        return _media_page(render(request, "care/rooms/room.html", context))


@require_safe
def device_test(request: HttpRequest) -> HttpResponse:
    strings = {
        "no_media": _(
            "Your camera or microphone could not be started. Check that your browser "
            "may use them, and that no other app is using them."
        ),
        "ready": _("Your camera and microphone work."),
        "camera": _("Camera %(number)s"),
        "microphone": _("Microphone %(number)s"),
    }
    return _media_page(render(request, "care/rooms/device_test.html", {"strings": strings}))


urlpatterns: list[URLPattern] = [
    path("rooms/<uuid:code>/", room, name="room"),
    path("device-test/", device_test, name="device-test"),
]
