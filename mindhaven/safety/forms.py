"""The safety plan as a form: one text box per section, one item per line (no JavaScript)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mindhaven.safety.models import CONTACT_SECTIONS, SECTION_KEYS, Sections

# A phone number at the end of a line: "Maria 612 345 678", "Samaritans, 116 123".
TRAILING_PHONE = re.compile(r"^(?P<name>.*?)[\s,;:\u2013\u2014-]*(?P<phone>\+?\(?\d[\d ().\-]*\d)$")


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    prompt: Promise


# The Stanley-Brown steps in plain words.
SECTIONS: tuple[Section, ...] = (
    Section(
        "warning_signs",
        _("My warning signs"),
        _("Thoughts, feelings or situations that tell me a crisis may be starting."),
    ),
    Section(
        "coping_strategies",
        _("Things I can do on my own to feel a bit better"),
        _("Things that calm me or take my mind off things, without anyone else."),
    ),
    Section(
        "distractions",
        _("People and places that take my mind off things"),
        _("People I like to be around, and places where I feel a little better."),
    ),
    Section(
        "people",
        _("People I can ask for help"),
        _("People I can call or text when I need help. One per line: name, then phone number."),
    ),
    Section(
        "professionals",
        _("Professionals and services I can contact"),
        _(
            "My clinician, my doctor, a crisis line, emergency services. "
            "One per line: name, then phone number."
        ),
    ),
    Section(
        "environment",
        _("Making where I am safer"),
        _(
            "What I can put away, lock up or give to someone, "
            "so that I cannot use it to hurt myself."
        ),
    ),
    Section(
        "reasons_for_living",
        _("My reasons for living"),
        _("The people, pets, hopes and things that matter most to me."),
    ),
)
assert tuple(s.key for s in SECTIONS) == SECTION_KEYS


def parse_contact(line: str) -> dict[str, str]:
    """'Maria, 612 345 678' -> {'name': 'Maria', 'phone': '612 345 678'}; no number -> ''."""
    line = " ".join(line.split())
    match = TRAILING_PHONE.match(line)
    if match and match["name"].strip():
        return {"name": match["name"].strip(), "phone": match["phone"]}
    return {"name": line, "phone": ""}


def contact_line(item: object) -> str:
    if isinstance(item, dict):
        return ", ".join(part for part in (item.get("name", ""), item.get("phone", "")) if part)
    return str(item)


class SafetyPlanForm(forms.Form):
    def __init__(self, *args: Any, sections: Sections | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sections = sections or {}
        self.section_info = {s.key: s for s in SECTIONS}
        for section in SECTIONS:
            items = sections.get(section.key, [])
            self.fields[section.key] = forms.CharField(
                label=str(section.title),
                help_text=str(section.prompt),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial="\n".join(contact_line(item) for item in items),
            )

    def sections(self) -> dict[str, list[Any]]:
        """The form's text as the service takes it: a list of items per section."""
        result: dict[str, list[Any]] = {}
        for key in SECTION_KEYS:
            lines = [line.strip() for line in self.cleaned_data.get(key, "").splitlines()]
            lines = [line for line in lines if line]
            result[key] = (
                [parse_contact(line) for line in lines] if key in CONTACT_SECTIONS else lines
            )
        return result
