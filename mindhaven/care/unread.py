"""How many messages wait unread for a person: the count beside "Messages" in the nav,
rendered on every page and pushed live to the person's open tabs when it changes."""

from __future__ import annotations

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation

from mindhaven.accounts.models import User
from mindhaven.accounts.permissions import get_clients_for_clinician
from mindhaven.care.models import Message
from mindhaven.care.permissions import MESSAGES
from mindhaven.notifications.services import push_badge

BADGE = "messages"
TEMPLATE = "care/messaging/nav_count.html"


def unread_message_count(user: User) -> int:
    """Unread messages from the other side, in the threads `user` can open now."""
    if not user.is_active:
        return 0
    if user.role == User.Role.MEMBER:
        threads = Q(thread__member=user)
    elif user.role == User.Role.CLINICIAN:
        # Only threads whose member shares messages with this clinician now: one query
        # for all clients (this runs on every page), not a consent check per thread.
        sharing = [
            member.pk
            for member, categories in get_clients_for_clinician(user)
            if MESSAGES in categories
        ]
        if not sharing:
            return 0
        threads = Q(thread__clinician=user, thread__member__in=sharing)
    else:
        return 0
    return Message.objects.filter(threads, read_at__isnull=True).exclude(author=user).count()


def push_unread_count(user: User) -> None:
    """Send the person's open tabs their count as the nav shows it (call after commit)."""
    with translation.override(user.locale):
        html = render_to_string(TEMPLATE, {"count": unread_message_count(user)})
    push_badge(user=user, name=BADGE, html=html)
