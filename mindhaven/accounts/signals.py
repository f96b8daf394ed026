"""Signal receivers of accounts, connected in AccountsConfig.ready()."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from mindhaven.accounts.models import User


@receiver(user_logged_in)
def clear_retention_warning(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """Signing in keeps an account that retention warned about: the warning is void."""
    if user.retention_warned_at is not None:
        User.objects.filter(pk=user.pk).update(retention_warned_at=None)
        user.retention_warned_at = None
