"""Authentication for the API: a personal access token, or the browser session.

Both apply the rule of RequireMFAMiddleware: a role that needs a second factor
gets nothing from the API until one is enabled.
"""

from typing import Any

from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from mindhaven.accounts.models import AccessToken, User, hash_token

MFA_REQUIRED_DETAIL = "two-factor authentication must be enabled for this role"
INVALID_TOKEN_DETAIL = "invalid, expired or revoked token"  # noqa: S105 (a message)
TOO_MANY_ATTEMPTS_DETAIL = "too many failed attempts; try again in a few minutes"


def check_mfa(user: User) -> None:
    if user.mfa_required and not is_mfa_enabled(user):
        raise AuthorizationError(message=MFA_REQUIRED_DETAIL)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; sets request.access_token and request.user."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        access_token = (
            AccessToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        )
        # A bad token is an error even if a session cookie came along: the
        # client asked to be someone in particular and is not.
        if access_token is None or not access_token.is_active or not access_token.user.is_active:
            raise AuthenticationError(message=INVALID_TOKEN_DETAIL)
        user = access_token.user
        check_mfa(user)
        access_token.record_use()
        request.access_token = access_token  # type: ignore[attr-defined]
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, with Django's CSRF check on unsafe methods.

    Unlike ninja's SessionAuth, CSRF is checked only once a session user is found,
    so that an anonymous call is told 401, not 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the X-CSRFToken header")
        assert isinstance(user, User)
        check_mfa(user)
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
# Bearer first: a request that names a token is about that token.
default_auth = [token_auth, session_auth]


def verify_otp(request: HttpRequest, user: User, code: str) -> bool:
    """Accept a current TOTP code or an unused recovery code (which is then used up).

    Failures count against the same limit as allauth's own second-factor form.
    """
    limit_key = f"mfa-auth-user-{user.pk}"
    if not ratelimit.consume(request, action="login_failed", key=limit_key):
        raise HttpError(429, TOO_MANY_ATTEMPTS_DETAIL)
    authenticators = Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    )
    # TOTP first, so that a six-digit code never burns a recovery code by chance.
    for authenticator in sorted(authenticators, key=lambda a: a.type != Authenticator.Type.TOTP):
        if authenticator.wrap().validate_code(code.strip()):
            authenticator.record_usage()
            ratelimit.clear(request, action="login_failed", key=limit_key)
            return True
    return False
