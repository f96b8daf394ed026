"""API operations for accounts: sign-up, access tokens, and the signed-in person."""

from datetime import datetime
from typing import cast
from uuid import UUID

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthenticationError, AuthorizationError, HttpError

from mindhaven.accounts import services
from mindhaven.accounts.api.access_log import router as access_log_router
from mindhaven.accounts.api.consent import router as consent_router
from mindhaven.accounts.api.privacy import DELETE_ME, delete_me
from mindhaven.accounts.api.privacy import router as privacy_router
from mindhaven.accounts.auth import (
    MFA_REQUIRED_DETAIL,
    TOO_MANY_ATTEMPTS_DETAIL,
    verify_otp,
)
from mindhaven.accounts.models import AccessToken, User
from mindhaven.accounts.permissions import get_token_for_owner

router = Router()

BAD_CREDENTIALS_DETAIL = "invalid username or password"


class RegisterIn(Schema):
    username: str
    password: str
    email: str


class RegisterOut(Schema):
    code: UUID
    username: str


class TokenIn(Schema):
    username: str = Field(description="username or email address")
    password: str
    otp: str | None = Field(None, description="TOTP code or recovery code, when 2FA is on")
    name: str = Field("API token", min_length=1, max_length=80)


class TokenOut(Schema):
    token: str
    expires_at: datetime


class TokenInfo(Schema):
    code: UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class MeOut(Schema):
    code: UUID
    username: str
    display_name: str
    role: str
    timezone: str
    locale: str


class MePatch(Schema):
    display_name: str | None = None
    timezone: str | None = None
    locale: str | None = None
    country: str | None = None


class Detail(Schema):
    detail: str


def _user(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]


@router.post(
    "/auth/register",
    auth=None,
    response={201: RegisterOut, 403: Detail, 429: Detail},
    tags=["auth"],
)
def register(request: HttpRequest, payload: RegisterIn) -> Status[User]:
    """Create a member account (201), when this deployment allows sign-up."""
    if not settings.SIGNUP_OPEN:
        raise HttpError(403, "sign-up is closed on this server")
    if not ratelimit.consume(request, action="signup"):
        raise HttpError(429, "too many sign-ups from this address; try again later")
    user = services.register_member(
        username=payload.username, email=payload.email, password=payload.password
    )
    return Status(201, user)


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: Detail, 403: Detail, 429: Detail},
    tags=["auth"],
)
def create_token(request: HttpRequest, payload: TokenIn) -> dict[str, object]:
    """Exchange a username (or email), password and, with 2FA on, a code for a token."""
    try:
        found = get_account_adapter(request).authenticate(
            request, username=payload.username, password=payload.password
        )
    except DjangoValidationError as exc:  # allauth's login_failed rate limit
        raise HttpError(429, TOO_MANY_ATTEMPTS_DETAIL) from exc
    # allauth's backend lets inactive accounts through, to explain themselves on a page.
    if found is None or not found.is_active:
        raise AuthenticationError(message=BAD_CREDENTIALS_DETAIL)
    user = cast(User, found)
    mfa_enabled = is_mfa_enabled(user)
    if user.mfa_required and not mfa_enabled:
        raise AuthorizationError(message=MFA_REQUIRED_DETAIL)
    if mfa_enabled:
        if not payload.otp:
            raise AuthenticationError(message="otp required")
        if not verify_otp(request, user, payload.otp):
            raise AuthenticationError(message="invalid otp")
    if (
        settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
        and not EmailAddress.objects.filter(user=user, verified=True).exists()
    ):
        raise AuthorizationError(message="verify your email address first")
    token, raw = services.issue_token(user=user, name=payload.name)
    return {"token": raw, "expires_at": token.expires_at}


@router.delete("/auth/token", response={204: None, 400: Detail}, tags=["auth"])
def revoke_current_token(request: HttpRequest) -> Status[None]:
    """Revoke the bearer token this request is made with."""
    token: AccessToken | None = getattr(request, "access_token", None)
    if token is None:
        raise HttpError(
            400,
            "this revokes the bearer token the request is made with: send "
            "Authorization: Bearer <token>, or use DELETE /api/v1/auth/tokens/{code}",
        )
    services.revoke_token(token=token)
    return Status(204, None)


@router.get("/auth/tokens", response=list[TokenInfo], tags=["auth"])
def list_tokens(request: HttpRequest) -> list[AccessToken]:
    return list(_user(request).access_tokens.all())


@router.delete("/auth/tokens/{code}", response={204: None, 404: Detail}, tags=["auth"])
def revoke_one_token(request: HttpRequest, code: UUID) -> Status[None]:
    token = get_token_for_owner(_user(request), code)
    services.revoke_token(token=token)
    return Status(204, None)


@router.get("/me", response=MeOut, tags=["me"])
def me(request: HttpRequest) -> User:
    return _user(request)


@router.patch("/me", response=MeOut, tags=["me"])
def update_me(request: HttpRequest, payload: MePatch) -> User:
    """Change any of display_name, timezone (IANA name), locale (en, es), country."""
    return services.update_profile(
        user=_user(request),
        display_name=payload.display_name,
        timezone_name=payload.timezone,
        locale=payload.locale,
        country=payload.country,
    )


router.add_router("", access_log_router)
router.add_router("", consent_router)
router.add_router("", privacy_router)
router.delete("/me", **DELETE_ME)(delete_me)
