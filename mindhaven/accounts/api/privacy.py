"""API operations for a person's own data: export everything, and erase the account."""

from typing import Any, cast

from django.contrib.auth import logout
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from mindhaven.accounts import services
from mindhaven.accounts.auth import TOO_MANY_ATTEMPTS_DETAIL
from mindhaven.accounts.exports import export_filename
from mindhaven.accounts.models import User
from mindhaven.core.export import build_export

router = Router()

WRONG_PASSWORD_DETAIL = "wrong password: nothing was deleted"  # noqa: S105 (a message)
LAST_ADMIN_DETAIL = (
    "this is the only administrator account on this server: make someone else an "
    "administrator first; nothing was deleted"
)

ZIP_RESPONSE = {
    "responses": {
        200: {
            "description": (
                "A zip of everything you own: README.txt, then one folder per part of "
                "Mindhaven with JSON and CSV files."
            ),
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class Detail(Schema):
    detail: str


class PasswordIn(Schema):
    password: str = Field(min_length=1, description="your password, typed again")


def _user(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]


def zip_response(data: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["Cache-Control"] = "no-store"
    return response


@router.get("/me/export", tags=["me"], openapi_extra=ZIP_RESPONSE)
def export_me(request: HttpRequest) -> HttpResponse:
    """Download everything you own as a zip of JSON and CSV files, with a README."""
    user = _user(request)
    return zip_response(build_export(user), filename=export_filename(user))


# Mounted on the accounts router beside GET and PATCH /me (ninja answers one path
# from one router only): `router.delete("/me", **DELETE_ME)(delete_me)`.
DELETE_ME: dict[str, Any] = {
    "response": {204: None, 403: Detail, 409: Detail, 429: Detail},
    "tags": ["me"],
}


def delete_me(request: HttpRequest, payload: PasswordIn) -> Status[None]:
    """Delete your account and your data for good (204), after your password again.

    A wrong password is 403 and deletes nothing; wrong passwords are rate limited
    (429). What stays afterwards is described on the trust page.
    """
    user = _user(request)
    try:
        matches = services.password_matches(request, user=user, password=payload.password)
    except DjangoValidationError as exc:  # allauth's login_failed rate limit
        raise HttpError(429, TOO_MANY_ATTEMPTS_DETAIL) from exc
    if not matches:
        raise HttpError(403, WRONG_PASSWORD_DETAIL)
    try:
        services.erase_account(user=user)
    except services.ErasureRefused as exc:
        raise HttpError(409, LAST_ADMIN_DETAIL) from exc
    if getattr(request, "session", None) is not None:
        logout(request)
    return Status(204, None)
