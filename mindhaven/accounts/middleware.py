"""Per-user language, and the second factor required of staff roles."""

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import translation

# Paths a person whose role needs MFA may reach before setting it up.
MFA_SETUP_ALLOWED_PREFIXES = (
    "/accounts/",
    "/help/",
    "/offline/",
    "/trust/",
    "/healthz",
    "/i18n/",
    "/static/",
    "/sw.js",
    "/manifest.webmanifest",
)
# The API's public operations (auth=None) and its documents: they need no session, so a
# session without a second factor must not close them either. The token endpoint itself
# refuses such a person (403) once the password is right.
MFA_SETUP_ALLOWED_API = frozenset(
    {
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/docs"),
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/token"),
    }
)


class UserLanguageMiddleware:
    """Use the signed-in person's chosen language unless they picked one for this browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.locale)
            request.LANGUAGE_CODE = user.locale
        return self.get_response(request)


class RequireMFAMiddleware:
    """Clinicians, moderators and admins must enable a second factor before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.mfa_required
            and not request.path_info.startswith(MFA_SETUP_ALLOWED_PREFIXES)
            and (request.method, request.path_info) not in MFA_SETUP_ALLOWED_API
            and not is_mfa_enabled(user)
        ):
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {"detail": "two-factor authentication must be enabled for this role"},
                    status=403,
                )
            return redirect("mfa_index")
        return self.get_response(request)
