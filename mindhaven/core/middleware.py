"""Cross-cutting request middleware: request ids, login by default, Permissions-Policy."""

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse, HttpResponseBase

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Camera and microphone are allowed only on pages that mark themselves as call
# pages (response["X-Mindhaven-Media"] = "1"); everything else denies them.
POLICY_DEFAULT = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
POLICY_MEDIA = "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"


class RequestIdMiddleware:
    """Give every request an id (kept from X-Request-ID when sane) for logs and audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        media = response.headers.pop("X-Mindhaven-Media", None)
        response["Permissions-Policy"] = POLICY_MEDIA if media else POLICY_DEFAULT
        return response


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Django's login-by-default, except for the API, which answers 401 in JSON itself."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
