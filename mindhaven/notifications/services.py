"""Creating notifications. Only services broadcast, and only after commit."""

from datetime import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from mindhaven.accounts.models import User
from mindhaven.notifications.models import Notification


def group_for_user(user: User) -> str:
    return f"notifications.user.{user.code}"


def broadcast_notification(notification: Notification) -> None:
    user = notification.user
    with translation.override(user.locale):
        html = render_to_string(
            "notifications/notification.html#notification-item",
            {"notification": notification},
        )
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        group_for_user(user),
        {
            "type": "notification.created",
            "code": str(notification.code),
            "kind": notification.kind,
            "title": notification.title,
            "html": html,
        },
    )


def notified_since(*, user: User, kind: str, url: str, since: datetime) -> bool:
    """Whether `user` was sent a notification of `kind` about `url` at or after `since`
    (for a service that should not tell the same thing twice in a row)."""
    return Notification.objects.filter(
        user=user, kind=kind, url=url, created_at__gte=since
    ).exists()


def push_badge(*, user: User, name: str, html: str) -> None:
    """Replace the badge `name` (an element with data-badge="<name>", such as the unread
    count beside "Messages") in every open tab of the person with `html`, rendered by
    the caller in the person's language. Call after commit."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        group_for_user(user), {"type": "badge.updated", "name": name, "html": html}
    )


@transaction.atomic
def notify(*, user: User, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Store a notification and push it to every open tab of the person once committed.

    Never put clinical content in title or body: they may also be emailed.
    """
    notification = Notification.objects.create(
        user=user, kind=kind, title=title, body=body, url=url
    )
    transaction.on_commit(lambda: broadcast_notification(notification))
    return notification
