"""POST /api/v1/safety/assess: assess a text without storing it."""

import time
from typing import Any, cast

from django.core.cache import cache
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import Throttled
from pydantic import ConfigDict

from mindhaven.accounts.models import User
from mindhaven.safety.assess import DEFAULT_LANGUAGE, assess_text, language_for

router = Router(tags=["safety"])

TEXT_MAX_LENGTH = 20_000
RATE_LIMIT = 60  # assessments per user per minute
RATE_WINDOW = 60
# The crisis-line data file is not written yet: no number is given that has not been
# checked on the operator's or a government's own page.
EMERGENCY = {
    "en": "If you are in danger now, call your local emergency number.",
    "es": "Si estás en peligro ahora, llama al número de emergencias de tu país.",
}


class AssessIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=TEXT_MAX_LENGTH, description="at most 20,000 characters")
    locale: str = Field("en", max_length=35, description="en, es; others are read as English")


class ReasonOut(Schema):
    category: str
    label: str
    level: str
    start: int = Field(description="character offset in `text`")
    end: int
    text: str


class AssessOut(Schema):
    level: str = Field(description="none, concern or urgent")
    reasons: list[ReasonOut]
    resources: list[dict[str, Any]] = Field(description="crisis lines for the member's country")
    emergency: str
    locale_used: str
    note: str | None = None


class Detail(Schema):
    detail: str


def _consume(user: User) -> None:
    window = int(time.time() // RATE_WINDOW)
    key = f"safety:assess:{user.pk}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW * 2)
    if cache.incr(key) > RATE_LIMIT:
        wait = RATE_WINDOW - int(time.time()) % RATE_WINDOW
        exc = Throttled(wait)
        exc.message = f"too many assessments: at most {RATE_LIMIT} a minute; try again in {wait} s"
        raise exc


@router.post("/safety/assess", response={200: AssessOut, 429: Detail})
def assess(request: HttpRequest, payload: AssessIn) -> dict[str, Any]:
    """Assess a text for crisis language (nothing is stored); 60 a minute per person."""
    user = cast(User, request.auth)  # type: ignore[attr-defined]
    _consume(user)
    language = language_for(payload.locale)
    assessment = assess_text(payload.text, locale=language or DEFAULT_LANGUAGE)
    note = None
    if language is None:
        note = f"no rules for locale {payload.locale!r}; assessed with English rules"
    return {
        "level": assessment.level.value,
        "reasons": [
            {
                "category": r.category,
                "label": r.label,
                "level": r.level.value,
                "start": r.start,
                "end": r.end,
                "text": r.text,
            }
            for r in assessment.reasons
        ],
        "resources": [],
        "emergency": EMERGENCY[assessment.locale_used],
        "locale_used": assessment.locale_used,
        "note": note,
    }
