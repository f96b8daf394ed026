"""Background tasks for accounts, run by `mindhaven worker`."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from mindhaven.accounts.models import AccessToken

# Expired tokens stay listed for a while, so that a person can see why a client
# stopped working; after that they are only clutter.
EXPIRED_TOKEN_RETENTION = timedelta(days=30)


@task()
def purge_expired_tokens() -> int:
    """Delete access tokens that expired more than 30 days ago; returns how many."""
    cutoff = timezone.now() - EXPIRED_TOKEN_RETENTION
    _total, per_model = AccessToken.objects.filter(expires_at__lt=cutoff).delete()
    return per_model.get(AccessToken._meta.label, 0)
