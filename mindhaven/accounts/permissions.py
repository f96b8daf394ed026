"""Access functions for account objects: each returns the object or raises Http404."""

from uuid import UUID

from django.http import Http404

from mindhaven.accounts.models import AccessToken, User


def get_token_for_owner(user: User, code: UUID | str) -> AccessToken:
    """The person's own access token with this code, revoked or not; anyone else's is 404."""
    token = AccessToken.objects.filter(code=code).select_related("user").first()
    if token is None:
        raise Http404
    if token.user_id != user.pk:
        raise Http404
    return token
