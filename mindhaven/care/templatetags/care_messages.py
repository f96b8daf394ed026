"""`{% unread_message_count as n %}`: how many messages wait unread for the signed-in
person, in the threads they can open now (for the count beside "Messages" in the nav)."""

from django import template
from django.db.models import Q

from mindhaven.accounts.models import User
from mindhaven.accounts.permissions import get_clients_for_clinician
from mindhaven.care.models import Message
from mindhaven.care.permissions import MESSAGES

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_message_count(context: template.Context) -> int:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if not isinstance(user, User) or not user.is_active:
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
