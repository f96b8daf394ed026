"""Importing a Daylio export: upload, preview, done."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from mindhaven.accounts.decorators import privacy_agreement_required
from mindhaven.accounts.models import User
from mindhaven.mood.importers import daylio
from mindhaven.mood.imports import (
    check_size,
    delete_upload,
    get_zone,
    level_choices,
    mood_levels,
    read_upload,
    store_upload,
    timezone_names,
    unknown_moods,
)
from mindhaven.mood.imports import import_daylio as import_entries
from mindhaven.mood.views._common import signed_in_user

PREVIEW_ROWS = 10
IMPORT_SESSION_KEY = "mood_import"
SUMMARY_SESSION_KEY = "mood_import_summary"


class DaylioUploadForm(forms.Form):
    file = forms.FileField(
        label=_lazy("Daylio export (CSV)"),
        help_text=_lazy("In Daylio: More, Export entries, CSV. Files up to 10 MB."),
    )
    timezone = forms.ChoiceField(
        label=_lazy("Time zone of the entries"),
        help_text=_lazy("Daylio does not record time zones. Choose where you mostly were."),
    )

    def __init__(self, *args: Any, member: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"timezone": member.timezone})
        super().__init__(*args, **kwargs)
        zones = timezone_names()
        if member.timezone not in zones:
            zones = sorted([*zones, member.timezone])
        field = self.fields["timezone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name) for name in zones]


class MoodLevelsForm(forms.Form):
    """One question per mood label that has no level yet: which level (1 to 5) it is."""

    def __init__(self, *args: Any, labels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *level_choices()]
        self.labels = labels
        for index, label in enumerate(labels):
            self.fields[f"level_{index}"] = forms.TypedChoiceField(
                label=label, choices=choices, coerce=int
            )

    def mood_map(self) -> dict[str, int]:
        return {label: self.cleaned_data[f"level_{i}"] for i, label in enumerate(self.labels)}


def _forget_upload(request: HttpRequest) -> None:
    state = request.session.pop(IMPORT_SESSION_KEY, None)
    if state:
        delete_upload(state["token"])


@require_http_methods(["GET", "POST"])
@privacy_agreement_required
def import_daylio(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method != "POST":
        form = DaylioUploadForm(member=user)
        return render(request, "mood/import.html", {"form": form})
    form = DaylioUploadForm(request.POST, request.FILES, member=user)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size)
            text = daylio.decode(upload.read())
            parsed = daylio.parse(text)
        except ValidationError as exc:
            form.add_error("file", exc.message_dict["file"])
        except daylio.DaylioFormatError as exc:
            form.add_error("file", str(exc))
        else:
            if not parsed.rows:
                form.add_error("file", _("The file has no entries to import."))
            else:
                _forget_upload(request)
                request.session[IMPORT_SESSION_KEY] = {
                    "token": store_upload(text),
                    "timezone": form.cleaned_data["timezone"],
                }
                return redirect("mood:import-preview")
    return render(request, "mood/import.html", {"form": form}, status=400)


@require_http_methods(["GET", "POST"])
@privacy_agreement_required
def import_daylio_preview(request: HttpRequest) -> HttpResponse:
    state = request.session.get(IMPORT_SESSION_KEY)
    try:
        parsed = daylio.parse(read_upload(state["token"])) if state else None
    except (FileNotFoundError, ValueError):
        parsed = None
    if parsed is None:
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.info(request, _("Your upload has expired. Please choose the file again."))
        return redirect("mood:import")
    assert state is not None
    if request.method == "POST" and "cancel" in request.POST:
        _forget_upload(request)
        messages.info(request, _("Nothing was imported, and your file was deleted."))
        return redirect("mood:home")
    zone = get_zone(state["timezone"])
    unknown = unknown_moods(parsed, None)
    form = MoodLevelsForm(request.POST if request.method == "POST" else None, labels=unknown)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                summary = import_entries(
                    member=signed_in_user(request),
                    parsed=parsed,
                    zone=zone,
                    mood_map=form.mood_map(),
                )
            except daylio.DaylioFormatError as exc:
                form.add_error(None, str(exc))
            else:
                _forget_upload(request)
                request.session[SUMMARY_SESSION_KEY] = {
                    "imported": summary.imported,
                    "duplicates": summary.duplicates,
                    "warnings": summary.warnings,
                }
                return redirect("mood:import-done")
    levels = mood_levels(None)
    known = [
        (label, levels[daylio.normalise_label(label)])
        for label in parsed.labels()
        if label not in unknown
    ]
    context = {
        "form": form,
        "parsed": parsed,
        "layout": ",".join(daylio.LAYOUTS[parsed.layout]),
        "rows": parsed.rows[:PREVIEW_ROWS],
        "known": [(label, dict(level_choices())[level]) for label, level in known],
        "zone": zone.key,
    }
    return render(request, "mood/import_preview.html", context, status=status)


@require_GET
def import_daylio_done(request: HttpRequest) -> HttpResponse:
    # Kept (counts and warnings only, no notes) so that reloading the page works.
    summary = request.session.get(SUMMARY_SESSION_KEY)
    if summary is None:
        return redirect("mood:import")
    return render(request, "mood/import_done.html", {"summary": summary})


# --- reminders, streaks and the member's lists ----------------------------------------
