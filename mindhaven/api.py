"""The public HTTP API: one NinjaAPI that mounts each app's router under /api/v1.

Every operation needs a signed-in person (bearer token or session) unless it says
`auth=None`. Every error is JSON with a "detail": a string, or for invalid input a
list of {"field", "message", "in"} naming each field.
"""

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from django.core import signals
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled, ValidationError, ValidationErrorContext

from mindhaven.accounts.api import router as accounts_router
from mindhaven.accounts.auth import default_auth
from mindhaven.care.api import router as care_router
from mindhaven.mood.api import router as mood_router
from mindhaven.notifications.api import router as notifications_router
from mindhaven.safety.api import router as safety_router

logger = logging.getLogger("mindhaven.api")

NON_FIELD = "__all__"


class MindhavenAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        """Name each invalid field as the client sent it ("password", not body.payload.password)."""
        errors: list[dict[str, str]] = []
        for context in error_contexts:
            model = context.model
            source = model.__ninja_param_source__
            single = getattr(model, "__read_from_single_attr__", None)
            for error in context.pydantic_validation_error.errors(include_url=False):
                loc = model.__ninja_flatten_map_reverse__.get(error["loc"], error["loc"])
                if single and loc and loc[0] == single:
                    loc = loc[1:]
                field = ".".join(str(part) for part in loc) or source
                errors.append({"field": field, "message": error["msg"], "in": source})
        return ValidationError(errors)

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = _json_method_not_allowed(url.callback)
        # Last, so that it only answers paths nothing else matched.
        urls.append(re_path(r"^.+$", _not_found, name="not-found"))
        return urls


def _json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = ", ".join(sorted(response["Allow"].split(", ")))
            response = JsonResponse(
                {"detail": f"method {request.method} not allowed; use {allowed}"}, status=405
            )
            response["Allow"] = allowed
        return response

    return wrapper


@csrf_exempt
def _not_found(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": f"no API endpoint at {request.path}"}, status=404)


api = MindhavenAPI(
    title="Mindhaven API",
    version="1",
    urls_namespace="api",
    auth=default_auth,
    description=(
        "Authenticate with `Authorization: Bearer <token>` (POST /api/v1/auth/token) "
        "or, from the web app, with the session cookie and an X-CSRFToken header."
    ),
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(DjangoValidationError)
def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """Services raise Django's ValidationError; it becomes the same 422 as schema errors."""
    errors: list[dict[str, str]] = []
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            name = "non_field" if field == NON_FIELD else field
            errors.extend({"field": name, "message": m, "in": "body"} for m in messages)
    else:
        errors.extend({"field": "non_field", "message": m, "in": "body"} for m in exc.messages)
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, json.JSONDecodeError):
        detail = (
            f"malformed JSON in request body: {cause.msg} "
            f"(line {cause.lineno}, column {cause.colno})"
        )
    elif exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
        detail = "malformed JSON in request body: it is not UTF-8"
    elif exc.status_code == 401 and detail == "Unauthorized":
        detail = "authentication required: send Authorization: Bearer <token> or sign in"
    response = api.create_response(request, {"detail": detail}, status=exc.status_code)
    if isinstance(exc, Throttled) and exc.wait is not None:
        response["Retry-After"] = str(int(exc.wait))
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "not found"}, status=404)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "permission denied"}, status=403)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Log and signal as Django would (error reports; the test client re-raises).
    logger.error("API error at %s", request.path, exc_info=exc)
    signals.got_request_exception.send(sender=None, request=request)
    return api.create_response(request, {"detail": "internal server error"}, status=500)


api.add_router("", accounts_router)
api.add_router("", notifications_router)
api.add_router("", mood_router)
api.add_router("", safety_router)
api.add_router("", care_router)
