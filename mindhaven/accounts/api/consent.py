"""API operations for consent: a member's grants, and a clinician's clients."""

from datetime import datetime
from typing import cast
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from mindhaven.accounts import services
from mindhaven.accounts.consent import CATEGORY_KEYS
from mindhaven.accounts.models import ConsentGrant, User
from mindhaven.accounts.permissions import get_clients_for_clinician, get_grant_for_member

router = Router(tags=["consent"])

CLINICIANS_ONLY_DETAIL = "only clinicians have clients"


class Detail(Schema):
    detail: str


class GrantIn(Schema):
    clinician: str = Field(min_length=1, description="the clinician's username or code")
    categories: list[str] = Field(description="one or more of: " + ", ".join(CATEGORY_KEYS))


class GrantOut(Schema):
    id: UUID
    clinician: str = Field(description="the clinician's username")
    categories: list[str]
    granted_at: datetime


class ClientOut(Schema):
    code: UUID
    username: str
    display_name: str
    categories: list[str] = Field(description="what this member shares with you now")


def _user(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]


def _grant_out(grant: ConsentGrant) -> GrantOut:
    return GrantOut(
        id=grant.code,
        clinician=grant.link.clinician.username,
        categories=grant.categories,
        granted_at=grant.granted_at,
    )


@router.post("/consents", response={201: GrantOut, 403: Detail, 422: Detail})
def create_consent(request: HttpRequest, payload: GrantIn) -> Status[GrantOut]:
    """Share categories with a clinician (linking to them first if needed).

    Members only, after agreeing to the privacy summary (403 otherwise). 422 names
    the field: a clinician who is not one, or unknown, repeated or no categories.
    """
    member = _user(request)
    services.check_can_share(member)
    clinician = services.find_clinician(payload.clinician)
    grant = services.grant_consent(
        member=member, clinician=clinician, categories=payload.categories, request=request
    )
    return Status(201, _grant_out(grant))


@router.get("/consents", response=list[GrantOut])
def list_consents(request: HttpRequest) -> list[GrantOut]:
    """The member's active grants, newest first."""
    grants = ConsentGrant.objects.filter(
        link__member=_user(request), link__ended_at__isnull=True, revoked_at__isnull=True
    ).select_related("link__clinician")
    return [_grant_out(grant) for grant in grants]


@router.delete("/consents/{id}", response={204: None, 404: Detail})
def revoke_consent(request: HttpRequest, id: UUID) -> Status[None]:
    """Revoke a grant, effective at once. Revoking a revoked grant again is a 204."""
    member = _user(request)
    grant = get_grant_for_member(member, id)
    services.revoke_consent(member=member, grant=grant, request=request)
    return Status(204, None)


@router.get("/clinician/clients", response={200: list[ClientOut], 403: Detail})
def list_clients(request: HttpRequest) -> list[ClientOut]:
    """A clinician's linked members, with the categories each shares now (403 otherwise)."""
    user = _user(request)
    if user.role != User.Role.CLINICIAN:
        raise PermissionDenied(CLINICIANS_ONLY_DETAIL)
    return [
        ClientOut(
            code=member.code,
            username=member.username,
            display_name=member.display_name,
            categories=categories,
        )
        for member, categories in get_clients_for_clinician(user)
    ]
