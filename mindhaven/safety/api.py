"""POST /api/v1/safety/assess: assess a text without storing it."""

import time
from datetime import datetime
from typing import Annotated, Any, cast
from uuid import UUID

from django.core.cache import cache
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import Throttled
from pydantic import ConfigDict

from mindhaven.accounts.decorators import api_privacy_agreement_required
from mindhaven.accounts.models import User
from mindhaven.safety import resources
from mindhaven.safety.assess import DEFAULT_LANGUAGE, assess_text, language_for
from mindhaven.safety.models import SafetyPlan, empty_sections
from mindhaven.safety.permissions import get_plan_for_clinician, get_plan_for_member, require_member
from mindhaven.safety.services import (
    ITEM_MAX_LENGTH,
    ITEMS_MAX,
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    save_safety_plan,
    suggested_professionals,
)

router = Router(tags=["safety"])

TEXT_MAX_LENGTH = 20_000
RATE_LIMIT = 60  # assessments per user per minute
RATE_WINDOW = 60
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
        # The member's country's lines, else lines in the locale, then the directory.
        "resources": [line.as_dict() for line in resources.lines_for(user.country, payload.locale)],
        "emergency": EMERGENCY[assessment.locale_used],
        "locale_used": assessment.locale_used,
        "note": note,
    }


# --- the safety plan: the member's own, and a client's for their clinician -------------

PlanItem = Annotated[str, Field(max_length=ITEM_MAX_LENGTH)]
PlanItems = Annotated[list[PlanItem], Field(max_length=ITEMS_MAX)]


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=NAME_MAX_LENGTH)
    phone: str = Field("", max_length=PHONE_MAX_LENGTH, description="digits, spaces, + ( ) - .")


Contacts = Annotated[list[ContactIn], Field(max_length=ITEMS_MAX)]


class PlanIn(Schema):
    """The whole plan: every section is required (send [] for an empty one)."""

    model_config = ConfigDict(extra="forbid")

    warning_signs: PlanItems
    coping_strategies: PlanItems
    distractions: PlanItems
    people: Contacts
    professionals: Contacts
    environment: PlanItems
    reasons_for_living: PlanItems


class ContactOut(Schema):
    name: str
    phone: str


class PlanOut(Schema):
    warning_signs: list[str]
    coping_strategies: list[str]
    distractions: list[str]
    people: list[ContactOut]
    professionals: list[ContactOut]
    environment: list[str]
    reasons_for_living: list[str]
    updated_at: datetime | None = Field(description="null until the plan is first saved")
    suggested_professionals: list[ContactOut] = Field(
        description="for a plan not yet saved: the member's clinicians and emergency number"
    )


def _plan_out(member: User, plan: SafetyPlan | None, *, suggest: bool) -> dict[str, Any]:
    sections = plan.sections if plan is not None else empty_sections()
    suggestions = suggested_professionals(member) if suggest and plan is None else []
    return {
        **sections,
        "updated_at": plan.updated_at if plan else None,
        "suggested_professionals": suggestions,
    }


@router.get("/safety/plan", response={200: PlanOut, 403: Detail})
def get_plan(request: HttpRequest) -> dict[str, Any]:
    """The member's own safety plan (empty sections until it is first saved)."""
    user = cast(User, request.auth)  # type: ignore[attr-defined]
    return _plan_out(user, get_plan_for_member(user), suggest=True)


@router.put("/safety/plan", response={200: PlanOut, 403: Detail, 422: Detail})
@api_privacy_agreement_required
def put_plan(request: HttpRequest, payload: PlanIn) -> dict[str, Any]:
    """Replace the member's whole safety plan; stored encrypted. Members only, after
    agreeing to the privacy summary (403). 422 names each invalid field."""
    user = cast(User, request.auth)  # type: ignore[attr-defined]
    require_member(user)
    plan = save_safety_plan(member=user, sections=payload.model_dump())
    return _plan_out(user, plan, suggest=False)


@router.get(
    "/clinician/clients/{code}/safety-plan",
    response={200: PlanOut, 404: Detail},
    tags=["clinician"],
)
def client_plan(request: HttpRequest, code: UUID) -> dict[str, Any]:
    """A client's safety plan, only while they share `safety_plan` with you; audited."""
    user = cast(User, request.auth)  # type: ignore[attr-defined]
    member, plan = get_plan_for_clinician(user, code, request=request)
    return _plan_out(member, plan, suggest=False)
