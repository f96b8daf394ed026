"""Forms of the reminder settings and list pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mindhaven.mood.models import NAME_MAX_LENGTH, Activity

TIME_ERROR = _("Enter a time of day as HH:MM, from 00:00 to 23:59 (for example 09:30).")


class ReminderSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Remind me to check in every day"), required=False)
    local_time = forms.TimeField(
        label=_("At"),
        input_formats=["%H:%M", "%H:%M:%S"],
        error_messages={"invalid": TIME_ERROR, "required": TIME_ERROR},
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    email_enabled = forms.BooleanField(label=_("Also send the reminder by email"), required=False)
    show_streak = forms.BooleanField(
        label=_("Show my streak on the mood page"),
        required=False,
        help_text=_("Off by default. A single day off never breaks a streak."),
    )


class AddEmotionForm(forms.Form):
    name = forms.CharField(label=_("New emotion"), max_length=NAME_MAX_LENGTH)


class AddActivityForm(forms.Form):
    name = forms.CharField(label=_("New activity"), max_length=NAME_MAX_LENGTH)
    group = forms.ChoiceField(
        label=_("Group"), choices=Activity.Group.choices, initial=Activity.Group.OTHER
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "activity")
        super().__init__(*args, **kwargs)
