"""Writes with side effects for accounts: sign-up, access tokens, profile, care links
and consent."""

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from mindhaven.accounts.consent import (
    CATEGORY_KEYS,
    CONSENT_TEXT_VERSION,
    PRIVACY_SUMMARY_VERSION,
    sorted_keys,
)
from mindhaven.accounts.countries import COUNTRIES
from mindhaven.accounts.models import (
    AccessToken,
    CareLink,
    ConsentEvent,
    ConsentGrant,
    User,
    hash_token,
)
from mindhaven.core.audit import request_id_of
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


# --- care links and consent --------------------------------------------------

# API details are English, like the rest of the API; pages explain in the reader's language.
# The path of accounts:privacy-agree (accounts/tests/test_api_privacy.py checks it).
PRIVACY_AGREEMENT_DETAIL = "agree to the privacy summary first, at /accounts/privacy/agree/"
INVITE_SALT = "mindhaven.accounts.invite"
INVITE_MAX_AGE = timedelta(days=14)


def consent_group(member: User) -> str:
    """The channel-layer group that hears about changes to `member`'s consent."""
    return f"accounts.consent.{member.code}"


def broadcast_consent_revoked(*, member: User, clinician: User, categories: list[str]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        consent_group(member),
        {
            "type": "consent.revoked",
            "member": str(member.code),
            "clinician": str(clinician.code),
            "categories": categories,
        },
    )


def _require_member(member: User) -> None:
    if member.role != User.Role.MEMBER:
        raise PermissionDenied("only members can share their data with a clinician")


def check_can_share(member: User) -> None:
    """PermissionDenied unless `member` is a member who agreed to the privacy summary."""
    _require_member(member)
    if not member.has_agreed_to_privacy:
        raise PermissionDenied(PRIVACY_AGREEMENT_DETAIL)


def _require_clinician(clinician: User) -> None:
    if clinician.role != User.Role.CLINICIAN or not clinician.is_active:
        raise ValidationError(
            {"clinician": [gettext("That person is not a clinician on this server.")]}
        )


def _clean_categories(categories: list[str]) -> list[str]:
    if not isinstance(categories, list | tuple) or not categories:
        raise ValidationError({"categories": [gettext("Choose at least one category.")]})
    unknown = [c for c in categories if c not in CATEGORY_KEYS]
    if unknown:
        raise ValidationError(
            {
                "categories": [
                    gettext("Unknown category: %(names)s. Choose from %(known)s.")
                    % {"names": ", ".join(map(str, unknown)), "known": ", ".join(CATEGORY_KEYS)}
                ]
            }
        )
    duplicated = sorted({c for c in categories if categories.count(c) > 1})
    if duplicated:
        raise ValidationError(
            {
                "categories": [
                    gettext("Each category may appear once: %(names)s is repeated.")
                    % {"names": ", ".join(duplicated)}
                ]
            }
        )
    return sorted_keys(categories)


def find_clinician(identifier: str) -> User:
    """The active clinician with this username or code; ValidationError naming the field.

    The error is the same for nobody and for someone who is not a clinician.
    """
    identifier = identifier.strip()
    try:
        lookup: dict[str, object] = {"code": UUID(identifier)}
    except ValueError:
        lookup = {"username": identifier}
    clinician = User.objects.filter(**lookup, role=User.Role.CLINICIAN, is_active=True).first()
    if clinician is None:
        raise ValidationError(
            {"clinician": [gettext("That person is not a clinician on this server.")]}
        )
    return clinician


@transaction.atomic
def link_member(*, member: User, clinician: User, how: str) -> CareLink:
    """The active link between them, created if there is none (idempotent)."""
    _require_member(member)
    _require_clinician(clinician)
    if how not in CareLink.How.values:
        raise ValidationError({"how": [gettext("Unknown way of linking.")]})
    link, _created = CareLink.objects.get_or_create(
        member=member, clinician=clinician, ended_at=None, defaults={"how": how}
    )
    return link


def _record(
    *, action: str, grant: ConsentGrant, actor: User | None, request: HttpRequest | None
) -> None:
    ConsentEvent.objects.create(
        member_code=grant.link.member.code,
        clinician_code=grant.link.clinician.code,
        actor_code=actor.code if actor is not None else None,
        action=action,
        categories=grant.categories,
        grant_code=grant.code,
        consent_text_version=grant.consent_text_version,
        request_id=request_id_of(request),
    )


@transaction.atomic
def grant_consent(
    *,
    member: User,
    clinician: User,
    categories: list[str],
    request: HttpRequest | None = None,
    how: str = CareLink.How.DIRECTORY,
) -> ConsentGrant:
    """Share `categories` with `clinician`, linking them first if needed.

    Only a member who agreed to the privacy summary may grant (PermissionDenied
    otherwise). Raises ValidationError naming "clinician" or "categories" for a
    non-clinician, or for unknown, repeated or no categories; nothing changes then.
    The grant and its history event are written together.
    """
    check_can_share(member)
    _require_clinician(clinician)
    cleaned = _clean_categories(categories)
    link = link_member(member=member, clinician=clinician, how=how)
    grant = ConsentGrant.objects.create(
        link=link, categories=cleaned, consent_text_version=CONSENT_TEXT_VERSION
    )
    _record(action=ConsentEvent.Action.GRANT, grant=grant, actor=member, request=request)
    return grant


@transaction.atomic
def revoke_consent(
    *, member: User, grant: ConsentGrant, request: HttpRequest | None = None
) -> ConsentGrant:
    """Stop sharing what `grant` shared, at once; revoking twice changes nothing.

    Once committed, open clinician sockets about the member hear `consent.revoked`.
    """
    grant = (
        ConsentGrant.objects.select_for_update()
        .select_related("link__member", "link__clinician")
        .get(pk=grant.pk)
    )
    if grant.link.member_id != member.pk:
        raise Http404
    if grant.revoked_at is not None:
        return grant
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    _record(action=ConsentEvent.Action.REVOKE, grant=grant, actor=member, request=request)
    clinician, categories = grant.link.clinician, list(grant.categories)
    transaction.on_commit(
        lambda: broadcast_consent_revoked(member=member, clinician=clinician, categories=categories)
    )
    return grant


@transaction.atomic
def set_shared_categories(
    *,
    member: User,
    clinician: User,
    categories: list[str],
    request: HttpRequest | None = None,
) -> None:
    """Make what `member` shares with `clinician` exactly `categories` (maybe none).

    Grants that share anything no longer wanted are revoked; what is newly wanted is
    granted as one new grant. Unchanged sharing writes nothing.
    """
    wanted = set(_clean_categories(categories)) if categories else set()
    active = ConsentGrant.objects.filter(
        link__member=member,
        link__clinician=clinician,
        link__ended_at__isnull=True,
        revoked_at__isnull=True,
    )
    kept: set[str] = set()
    for grant in active:
        if set(grant.categories) <= wanted:
            kept.update(grant.categories)
        else:
            revoke_consent(member=member, grant=grant, request=request)
    new = sorted_keys(wanted - kept)
    if new:
        grant_consent(member=member, clinician=clinician, categories=new, request=request)


@transaction.atomic
def end_link(*, member: User, link: CareLink, request: HttpRequest | None = None) -> CareLink:
    """End a care link: every active grant on it is revoked first, then the link ends."""
    if link.member_id != member.pk:
        raise Http404
    if link.ended_at is not None:
        return link
    for grant in link.grants.filter(revoked_at__isnull=True):
        revoke_consent(member=member, grant=grant, request=request)
    link.ended_at = timezone.now()
    link.save(update_fields=["ended_at"])
    return link


@dataclass(frozen=True)
class Invite:
    """A clinician's invite link: a signed token, valid for INVITE_MAX_AGE."""

    token: str
    clinician: User
    expires_at: datetime

    @property
    def path(self) -> str:
        return reverse("accounts:accept-invite", args=[self.token])


def create_invite(*, clinician: User) -> Invite:
    """Sign an invite for `clinician`. Nothing is stored: the signature is the proof.

    Invites cannot be withdrawn one by one; they expire after 14 days, and stop
    working at once if the clinician loses the role or is deactivated.
    """
    _require_clinician(clinician)
    token = signing.dumps({"clinician": str(clinician.code)}, salt=INVITE_SALT, compress=True)
    return Invite(token=token, clinician=clinician, expires_at=timezone.now() + INVITE_MAX_AGE)


def read_invite(token: str) -> User:
    """The clinician who signed this invite; ValidationError naming "token" otherwise."""
    invalid = ValidationError({"token": [gettext("This invite link is not valid or has expired.")]})
    try:
        data = signing.loads(token, salt=INVITE_SALT, max_age=INVITE_MAX_AGE)
        code = UUID(str(data["clinician"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    clinician = User.objects.filter(code=code, role=User.Role.CLINICIAN, is_active=True).first()
    if clinician is None:
        raise invalid
    return clinician


@transaction.atomic
def accept_invite(*, member: User, token: str) -> CareLink:
    """Link `member` to the clinician who signed `token`. Shares nothing by itself."""
    check_can_share(member)
    clinician = read_invite(token)
    return link_member(member=member, clinician=clinician, how=CareLink.How.INVITE)


@transaction.atomic
def agree_to_privacy(*, user: User) -> User:
    """Record that `user` read and agreed to the current privacy summary."""
    user.privacy_agreed_at = timezone.now()
    user.privacy_version = PRIVACY_SUMMARY_VERSION
    user.save(update_fields=["privacy_agreed_at", "privacy_version"])
    return user


# --- erasure -----------------------------------------------------------------


class ErasureRefused(Exception):
    """The account cannot be erased as things are (e.g. it is the last administrator)."""


def is_last_admin(user: User) -> bool:
    """True when `user` administers this server and no other active account does."""
    admins = User.objects.filter(is_active=True).filter(
        Q(role=User.Role.ADMIN) | Q(is_superuser=True)
    )
    is_admin = user.role == User.Role.ADMIN or user.is_superuser
    return is_admin and not admins.exclude(pk=user.pk).exists()


def password_matches(request: HttpRequest, *, user: User, password: str) -> bool:
    """Whether `password` is `user`'s, counted by allauth's failed-login rate limit.

    Raises ValidationError when there were too many wrong passwords lately.
    """
    found = get_account_adapter(request).authenticate(
        request, username=user.username, password=password
    )
    return found is not None and found.pk == user.pk


def _end_sharing_before_erasure(user: User) -> None:
    """Revoke every active grant to or from `user`, so that open sockets close at once.

    The revocations are kept in the consent history (keyed by codes): by the member
    when the member leaves, by nobody (the system) when the clinician leaves.
    """
    grants = (
        ConsentGrant.objects.select_for_update()
        .filter(Q(link__member=user) | Q(link__clinician=user), revoked_at__isnull=True)
        .select_related("link__member", "link__clinician")
    )
    for grant in grants:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        member, clinician = grant.link.member, grant.link.clinician
        actor = member if member.pk == user.pk else None
        _record(action=ConsentEvent.Action.REVOKE, grant=grant, actor=actor, request=None)
        transaction.on_commit(
            functools.partial(
                broadcast_consent_revoked,
                member=member,
                clinician=clinician,
                categories=list(grant.categories),
            )
        )


def _delete_export_files(names: list[str]) -> None:
    folder = settings.DATA_DIR / "exports"
    for name in names:
        (folder / name).unlink(missing_ok=True)


@transaction.atomic
def erase_account(*, user: User) -> None:
    """Delete `user` and, through CASCADE, everything they own.

    Every foreign key to the user removes its rows with the account (a test checks
    that each one is CASCADE): accounts.AccessToken, accounts.ExportJob (and its zip
    files, deleted after commit), accounts.CareLink as member or as clinician (and
    with them accounts.ConsentGrant), notifications.Notification, mood.MoodEntry,
    mood.Activity and the rest of mood, allauth's EmailAddress (and its
    confirmations) and mfa.Authenticator (TOTP, recovery codes, passkeys), and
    Django's admin.LogEntry.

    What stays, holding no foreign key and no name of the person:
    - core.AuditEvent: reads of someone's data by someone else. Events about the
      person keep only their code, which no longer leads anywhere; events where the
      person was the reader (a clinician) keep their username, because they are part
      of the other person's "who viewed my data" history.
    - accounts.ConsentEvent: the consent history, keyed by codes. Active grants are
      revoked first, so that a clinician's access ends at once, open sockets too.

    Raises ErasureRefused for the last administrator of the server.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if is_last_admin(user):
        raise ErasureRefused(
            gettext(
                "This is the only administrator account on this server. Make someone "
                "else an administrator first, then delete this account."
            )
        )
    _end_sharing_before_erasure(user)
    files = [name for name in user.export_jobs.values_list("file_name", flat=True) if name]
    user.delete()
    transaction.on_commit(lambda: _delete_export_files(files))
