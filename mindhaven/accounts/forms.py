import functools
import zoneinfo
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mindhaven.accounts.countries import country_choices
from mindhaven.accounts.models import User

# Canonical "Area/City" zones; the old aliases (US/Eastern, GB, ...) only make the list longer.
TIMEZONE_AREAS = {
    "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
    "Indian", "Pacific",
}  # fmt: skip


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(
        sorted(
            name for name in zoneinfo.available_timezones() if name.split("/")[0] in TIMEZONE_AREAS
        )
    )


def timezone_choices() -> list[tuple[str, str]]:
    """UTC, then every "Area/City" zone labelled with its offset today, so that a person
    who does not know their zone's name finds it by the clock: "Europe/London (UTC+00:00)"."""
    now = datetime.now(UTC)
    labelled = []
    for name in _zone_names():
        offset = now.astimezone(zoneinfo.ZoneInfo(name)).strftime("%z")
        labelled.append((name, f"{name.replace('_', ' ')} (UTC{offset[:3]}:{offset[3:]})"))
    return [("UTC", "UTC"), *labelled]


def timezone_choices_keeping(current: str) -> list[tuple[str, str]]:
    """`timezone_choices()`, with the person's `current` zone first when the list leaves it
    out (an alias, or a zone set through the API), so that saving a form keeps it."""
    choices = timezone_choices()
    if current and current not in dict(choices):
        return [(current, current), *choices]
    return choices


def optional_country_choices() -> list[tuple[str, str]]:
    return [("", str(_("Not set"))), *country_choices()]


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=User._meta.get_field("display_name").max_length,
        required=False,
        help_text=_("How you appear to others. Leave empty to use your username."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("Times are shown in this zone, and reminders follow it."),
    )
    locale = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    country = forms.ChoiceField(
        label=_("Country"),
        choices=optional_country_choices,
        required=False,
        help_text=_("Used to show crisis lines and the emergency number where you are."),
    )

    def __init__(self, *args: Any, current_timezone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["timezone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = timezone_choices_keeping(current_timezone)

    @classmethod
    def for_user(cls, user: User) -> "ProfileForm":
        return cls(
            current_timezone=user.timezone,
            initial={
                "display_name": user.display_name,
                "timezone": user.timezone,
                "locale": user.locale,
                "country": user.country,
            },
        )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("Say where you will use it, for example “Phone” or “Research export”."),
    )
