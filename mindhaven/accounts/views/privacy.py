"""Export everything you own, and delete your account."""

from collections.abc import Callable
from pathlib import Path
from typing import cast
from uuid import UUID

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from mindhaven.accounts import services
from mindhaven.accounts.exports import export_filename
from mindhaven.accounts.models import ExportJob, User
from mindhaven.accounts.permissions import get_export_for_owner
from mindhaven.accounts.tasks import build_export_file

# How often the export page asks how far the export has come.
POLL_SECONDS = 2

View = Callable[..., HttpResponseBase]


def _reauthenticated(view: View) -> View:
    """Sudo mode for every method, reading too: the export holds everything."""
    return cast(View, reauthentication_required(view))


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _current_job(user: User) -> ExportJob | None:
    """The newest export that is still under way or can still be downloaded."""
    for job in user.export_jobs.all()[:1]:
        if not job.is_expired:
            return job
    return None


@never_cache
@_reauthenticated
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """Start an export (POST) and follow it; re-authentication first, as for erasure."""
    user = _user(request)
    job = _current_job(user)
    if request.method == "POST":
        if job is None or job.is_finished:
            job = ExportJob.objects.create(user=user)
            code = str(job.code)
            transaction.on_commit(lambda: build_export_file.enqueue(code))
        return redirect("accounts:export")
    return render(
        request, "accounts/privacy/export.html", {"job": job, "poll_seconds": POLL_SECONDS}
    )


@never_cache
@require_safe
@vary_on_headers("HX-Request")
def export_status(request: HttpRequest, code: UUID) -> HttpResponse:
    """How far the export has come: the page's status fragment, polled by htmx."""
    job = get_export_for_owner(_user(request), code)
    return render(
        request,
        "accounts/privacy/export.html#job",
        {"job": job, "poll_seconds": POLL_SECONDS},
    )


@never_cache
@_reauthenticated
@require_safe
def download_export(request: HttpRequest, code: UUID) -> HttpResponseBase:
    user = _user(request)
    job = get_export_for_owner(user, code)
    if not job.is_downloadable:
        raise Http404
    path = Path(settings.DATA_DIR) / "exports" / job.file_name
    if not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=export_filename(user),
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """Explain what goes and what stays, then erase the account after the password."""
    user = _user(request)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    status = 400 if form.is_bound else 200
    if form.is_valid():
        try:
            matches = services.password_matches(
                request, user=user, password=form.cleaned_data["password"]
            )
        except ValidationError:  # allauth's failed-login rate limit
            matches, status = False, 429
            message = _("Too many wrong passwords. Wait a few minutes and try again.")
        else:
            status = 403
            message = _("That is not your password. Nothing was deleted.")
        if not matches:
            form.add_error("password", message)
        else:
            try:
                services.erase_account(user=user)
            except services.ErasureRefused as exc:
                form.add_error(None, str(exc))
                status = 409
            else:
                logout(request)
                return redirect("accounts:goodbye")
    context = {"form": form, "is_last_admin": services.is_last_admin(user)}
    return render(request, "accounts/privacy/delete.html", context, status=status)


@login_not_required
@require_safe
def goodbye(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy/goodbye.html")
