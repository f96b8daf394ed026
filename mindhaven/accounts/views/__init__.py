from typing import Literal, cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mindhaven.accounts import services
from mindhaven.accounts.forms import ProfileForm, TokenForm
from mindhaven.accounts.models import User
from mindhaven.accounts.permissions import get_token_for_owner


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _render_profile(
    request: HttpRequest,
    *,
    form: ProfileForm | None = None,
    token_form: TokenForm | None = None,
    new_token: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    context = {
        "form": form or ProfileForm.for_user(user),
        "token_form": token_form or TokenForm(),
        "tokens": user.access_tokens.all(),
        "new_token": new_token,
    }
    return render(request, "accounts/profile.html", context, status=status)


def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method != "POST":
        return _render_profile(request)
    form = ProfileForm(request.POST, current_timezone=user.timezone)
    if not form.is_valid():
        return _render_profile(request, form=form, status=400)
    try:
        services.update_profile(
            user=user,
            display_name=form.cleaned_data["display_name"],
            timezone_name=form.cleaned_data["timezone"],
            locale=form.cleaned_data["locale"],
            country=form.cleaned_data["country"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _render_profile(request, form=form, status=400)
    # Switch the site now, in this browser too, even if it had picked another language.
    translation.activate(user.locale)
    messages.success(request, _("Your profile was saved."))
    response = redirect("accounts:profile")
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        user.locale,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
    )
    return response


@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, token_form=form, status=400)
    _token, raw = services.issue_token(user=user, name=form.cleaned_data["name"])
    # Rendered, not redirected: the raw token is shown this once and stored nowhere.
    response = _render_profile(request, new_token=raw, status=201)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def revoke_token(request: HttpRequest, code: UUID) -> HttpResponse:
    token = get_token_for_owner(_user(request), code)
    services.revoke_token(token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect(reverse("accounts:profile") + "#tokens")
