"""`{% unread_message_count as n %}`: how many messages wait unread for the signed-in
person, in the threads they can open now (for the count beside "Messages" in the nav)."""

from django import template
from django.db.models import Q

from mindhaven.accounts.models import User
from mindhaven.care.models import Message, Thread
from mindhaven.care.permissions import thread_is_open

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_message_count(context: template.Context) -> int:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if not isinstance(user, User) or user.role not in (User.Role.MEMBER, User.Role.CLINICIAN):
        return 0
    threads = Thread.objects.filter(Q(member=user) | Q(clinician=user)).select_related(
        "member", "clinician"
    )
    # A clinician counts only threads whose member shares messages with them now.
    readable = [t.pk for t in threads if user.pk == t.member_id or thread_is_open(t)]
    if not readable:
        return 0
    return (
        Message.objects.filter(thread__in=readable, read_at__isnull=True)
        .exclude(author=user)
        .count()
    )
