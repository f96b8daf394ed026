"""`{% unread_message_count as n %}`: how many messages wait unread for the signed-in
person, in the threads they can open now (for the count beside "Messages" in the nav)."""

from django import template

from mindhaven.accounts.models import User
from mindhaven.care import unread

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_message_count(context: template.Context) -> int:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if not isinstance(user, User):
        return 0
    return unread.unread_message_count(user)
