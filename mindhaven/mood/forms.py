import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mindhaven.accounts.models import User
from mindhaven.mood import services
from mindhaven.mood.models import MOOD_FACES, NOTE_MAX_LENGTH, Activity, Emotion, MoodEntry

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _choices(names: Iterable[str], extra: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The member's names, plus any an entry already has (hidden since, or renamed)."""
    seen = list(dict.fromkeys([*names, *extra]))
    return [(name, name) for name in seen]


class CheckinForm(forms.Form):
    """A check-in, or changes to one. Times are read in the current (the member's) zone."""

    id = forms.UUIDField(widget=forms.HiddenInput)
    mood = forms.TypedChoiceField(
        label=_("How are you feeling?"),
        choices=MoodEntry.Mood.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you are feeling.")},
    )
    emotions = forms.MultipleChoiceField(
        label=_("Emotions"), required=False, widget=forms.CheckboxSelectMultiple
    )
    activities = forms.MultipleChoiceField(
        label=_("Activities"), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_activities = forms.CharField(
        label=_("Other activities"),
        required=False,
        max_length=300,
        help_text=_("Separate them with commas. They are added to your list."),
    )
    sleep_hours = forms.FloatField(
        label=_("Hours of sleep last night"),
        required=False,
        min_value=0,
        max_value=24,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only you can read it, and clinicians you choose to share your mood with."),
    )
    recorded_at = forms.DateTimeField(
        label=_("Time"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("Now, unless you change it."),
    )

    def __init__(self, *args: Any, member: User, entry: MoodEntry | None = None, **kwargs: Any):
        if entry is not None:
            kwargs.setdefault(
                "initial",
                {
                    "id": entry.code,
                    "mood": entry.mood,
                    "emotions": entry.emotions,
                    "activities": entry.activities,
                    "sleep_hours": entry.sleep_hours,
                    "note": entry.note,
                    "recorded_at": timezone.localtime(entry.recorded_at),
                },
            )
        else:
            kwargs.setdefault(
                "initial",
                {"id": uuid.uuid4(), "recorded_at": timezone.localtime().replace(second=0)},
            )
        super().__init__(*args, **kwargs)
        services.ensure_default_lists(member)
        visible_emotions = Emotion.objects.filter(member=member, hidden=False)
        self.activity_objects = list(Activity.objects.filter(member=member, hidden=False))
        own_emotions = entry.emotions if entry else []
        own_activities = entry.activities if entry else []
        emotions_field = self.fields["emotions"]
        activities_field = self.fields["activities"]
        assert isinstance(emotions_field, forms.MultipleChoiceField)
        assert isinstance(activities_field, forms.MultipleChoiceField)
        self.emotion_choices = _choices((e.name for e in visible_emotions), own_emotions)
        emotions_field.choices = self.emotion_choices
        activities_field.choices = _choices((a.name for a in self.activity_objects), own_activities)
        self.extra_activities = [
            name for name in own_activities if name not in {a.name for a in self.activity_objects}
        ]

    def mood_options(self) -> list[dict[str, Any]]:
        selected = str(self["mood"].value() or "")
        return [
            {
                "value": value,
                "label": label,
                "face": MOOD_FACES[value],
                "checked": str(value) == selected,
            }
            for value, label in MoodEntry.Mood.choices
        ]

    def activity_groups(self) -> list[dict[str, Any]]:
        """The member's activities by group, for one fieldset each."""
        chosen = set(self["activities"].value() or [])
        groups: dict[str, list[dict[str, Any]]] = {}
        for activity in self.activity_objects:
            groups.setdefault(activity.group, []).append(
                {"name": activity.name, "checked": activity.name in chosen}
            )
        for name in self.extra_activities:
            groups.setdefault(Activity.Group.OTHER, []).append(
                {"name": name, "checked": name in chosen}
            )
        labels = dict(Activity.Group.choices)
        return [
            {"key": key, "label": labels[key], "items": groups[key]}
            for key in Activity.Group.values
            if key in groups
        ]

    def emotion_items(self) -> list[dict[str, Any]]:
        chosen = set(self["emotions"].value() or [])
        return [{"name": name, "checked": name in chosen} for name, _label in self.emotion_choices]

    def has_details(self) -> bool:
        """Whether the optional part should start open (errors in it, or values to show)."""
        optional = [
            "emotions",
            "activities",
            "new_activities",
            "sleep_hours",
            "note",
            "recorded_at",
        ]
        return any(name in self.errors for name in optional)

    def all_activities(self) -> list[str]:
        chosen = list(self.cleaned_data.get("activities") or [])
        typed = self.cleaned_data.get("new_activities") or ""
        return chosen + [name for name in typed.split(",") if name.strip()]
