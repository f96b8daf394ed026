"""Writes with side effects for accounts: sign-up, access tokens, profile."""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from mindhaven.accounts.countries import COUNTRIES
from mindhaven.accounts.models import AccessToken, User, hash_token
from mindhaven.notifications.services import notify

TOKEN_PREFIX = "mh_"  # noqa: S105 (marks our tokens for secret scanners)
# Characters of the raw token kept in clear, so that a person can tell tokens apart.
TOKEN_SHOWN_CHARS = 10
USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length or 150


def _registration_errors(*, username: str, email: str, password: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not username:
        add("username", gettext("Enter a username."))
    elif len(username) > USERNAME_MAX_LENGTH:
        add("username", gettext("Use at most %d characters.") % USERNAME_MAX_LENGTH)
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError as exc:
            errors.setdefault("username", []).extend(exc.messages)
        if User.objects.filter(username__iexact=username).exists():
            add("username", gettext("That username is taken."))

    try:
        validate_email(email)
    except ValidationError:
        add("email", gettext("Enter a valid email address."))
    else:
        if (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
            add("email", gettext("An account already uses that email address."))

    try:
        validate_password(password, user=User(username=username, email=email))
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    return errors


@transaction.atomic
def register_member(*, username: str, email: str, password: str) -> User:
    """Create a member with an unverified email address.

    Raises ValidationError with a dict of field -> messages; nothing is created then.
    """
    username = username.strip()
    email = email.strip()
    errors = _registration_errors(username=username, email=email, password=password)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(
        username=username, email=email, password=password, role=User.Role.MEMBER
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


@transaction.atomic
def issue_token(*, user: User, name: str) -> tuple[AccessToken, str]:
    """Create a personal access token and tell its owner; the raw token is returned once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name,
        token_hash=hash_token(raw),
        prefix=raw[:TOKEN_SHOWN_CHARS],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
    )
    with translation.override(user.locale):
        title = gettext("A new access token was created")
    notify(
        user=user,
        kind="security.token_created",
        title=title,
        body=name,
        url=reverse("accounts:profile") + "#tokens",
    )
    return token, raw


@transaction.atomic
def revoke_token(*, token: AccessToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


@transaction.atomic
def update_profile(
    *,
    user: User,
    display_name: str | None = None,
    timezone_name: str | None = None,
    locale: str | None = None,
    country: str | None = None,
) -> User:
    """Change the given profile fields (None leaves a field as it is).

    Raises ValidationError naming the field when a value is not allowed.
    """
    changes = {
        "display_name": display_name,
        "timezone": timezone_name,
        "locale": locale,
        "country": country,
    }
    changed = [field for field, value in changes.items() if value is not None]
    if not changed:
        return user
    if country and country not in COUNTRIES:
        raise ValidationError({"country": [gettext("Choose a country from the list.")]})
    for field in changed:
        setattr(user, field, changes[field])
    user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in changed])
    user.save(update_fields=changed)
    return user
