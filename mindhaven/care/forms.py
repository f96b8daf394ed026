"""Forms of the booking pages: the clinician's profile and availability, exceptions."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mindhaven.accounts.forms import timezone_choices, timezone_choices_keeping
from mindhaven.care.models import AvailabilityException, ClinicianProfile
from mindhaven.care.services import availability

WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_LABELS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
RULE_FIELDS = (
    "timezone",
    "slot_minutes",
    "buffer_minutes",
    "min_notice_hours",
    "horizon_days",
    "cancel_notice_hours",
)
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})\s*$")


def _clock(hours: str, minutes: str) -> time:
    return time(int(hours), int(minutes))


def parse_ranges(text: str) -> list[tuple[time, time]]:
    """'09:00-12:00, 13:00-17:00' as (start, end) pairs; ValueError naming the bad part."""
    ranges = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(part)
        try:
            ranges.append((_clock(match[1], match[2]), _clock(match[3], match[4])))
        except ValueError:
            raise ValueError(part) from None
    return ranges


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()][:20]


class AvailabilityForm(forms.ModelForm[ClinicianProfile]):
    """The profile, booking rules and weekly windows on one page."""

    languages_text = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=300,
        help_text=_("Separated by commas, for example: English, Spanish"),
    )
    specialities_text = forms.CharField(
        label=_("Specialities"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, for example: anxiety, grief"),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)

    class Meta:
        model = ClinicianProfile
        fields = [
            "credentials",
            "bio",
            "listed",
            "accepting_new_clients",
            "office_hours_note",
            "timezone",
            "slot_minutes",
            "buffer_minutes",
            "min_notice_hours",
            "horizon_days",
            "cancel_notice_hours",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        profile = self.instance
        field = self.fields["timezone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = timezone_choices_keeping(profile.timezone)
        if not self.is_bound:
            self.initial["languages_text"] = ", ".join(profile.languages or [])
            self.initial["specialities_text"] = ", ".join(profile.specialities or [])
        windows = list(profile.clinician.weekly_windows.all()) if profile.pk else []
        for index, (name, label) in enumerate(zip(WEEKDAY_FIELDS, WEEKDAY_LABELS, strict=True)):
            text = ", ".join(
                f"{w.start:%H:%M}-{w.end:%H:%M}" for w in windows if w.weekday == index
            )
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                initial=text,
                help_text=_("Times like 09:00-12:00, 13:00-17:00; empty for no sessions"),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        windows: list[availability.WindowIn] = []
        self.window_fields: list[str] = []
        for index, name in enumerate(WEEKDAY_FIELDS):
            try:
                ranges = parse_ranges(data.get(name) or "")
            except ValueError as exc:
                self.add_error(
                    name,
                    ValidationError(
                        _("“%(part)s” is not a time range like 09:00-12:00."),
                        params={"part": exc.args[0]},
                    ),
                )
                continue
            for start, end in ranges:
                windows.append(availability.WindowIn(index, start, end))
                self.window_fields.append(name)
        self.windows = windows
        return data

    def rules(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in RULE_FIELDS}

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            field: str | None = key if key in self.fields else None
            parts = key.split(".")
            if parts[0] == "weekly" and len(parts) > 1 and parts[1].isdigit():
                field = self.window_fields[int(parts[1])]
            self.add_error(field, messages)

    def save_profile(self) -> ClinicianProfile:
        profile = self.instance
        profile.credentials = self.cleaned_data["credentials"]
        profile.bio = self.cleaned_data["bio"]
        profile.listed = self.cleaned_data["listed"]
        profile.accepting_new_clients = self.cleaned_data["accepting_new_clients"]
        profile.office_hours_note = self.cleaned_data["office_hours_note"]
        profile.languages = _list(self.cleaned_data["languages_text"])
        profile.specialities = _list(self.cleaned_data["specialities_text"])
        profile.save(
            update_fields=[
                "credentials",
                "bio",
                "listed",
                "accepting_new_clients",
                "office_hours_note",
                "languages",
                "specialities",
                "updated_at",
            ]
        )
        return profile


class ExceptionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Change"), choices=AvailabilityException.Kind.choices)
    start = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Leave both times empty to take the whole day off."),
    )
    end = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    note = forms.CharField(label=_("Note (only you see it)"), required=False, max_length=120)

    def change(self) -> availability.ChangeIn:
        data = self.cleaned_data
        return availability.ChangeIn(
            data["date"], data["kind"], data["start"], data["end"], data["note"]
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            self.add_error(key if key in self.fields else None, messages)
