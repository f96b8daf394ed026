"""Access functions for account objects: each returns the object or raises Http404."""

from uuid import UUID

from django.http import Http404

from mindhaven.accounts.consent import CATEGORY_KEYS, sorted_keys
from mindhaven.accounts.models import AccessToken, CareLink, ConsentGrant, ExportJob, User


def get_token_for_owner(user: User, code: UUID | str) -> AccessToken:
    """The person's own access token with this code, revoked or not; anyone else's is 404."""
    token = AccessToken.objects.filter(code=code).select_related("user").first()
    if token is None:
        raise Http404
    if token.user_id != user.pk:
        raise Http404
    return token


def _as_uuid(code: UUID | str) -> UUID:
    try:
        return code if isinstance(code, UUID) else UUID(str(code))
    except ValueError:
        raise Http404 from None


def _active_grants(*, clinician: User, member: User) -> list[ConsentGrant]:
    # Read from the database every time: a revocation must take effect at once.
    return list(
        ConsentGrant.objects.filter(
            link__member=member,
            link__clinician=clinician,
            link__ended_at__isnull=True,
            revoked_at__isnull=True,
        )
    )


def has_consent(*, clinician: User, member: User, category: str) -> bool:
    """True when `clinician` is a clinician with an active link and an active grant of
    `category` from `member`. Reads the database each call (no caching)."""
    if clinician.role != User.Role.CLINICIAN:
        return False
    if not clinician.is_active or not member.is_active:
        return False
    grants = _active_grants(clinician=clinician, member=member)
    return any(category in grant.categories for grant in grants)


def get_client_for_clinician(user: User, code: UUID | str, category: str) -> User:
    """The member with this code, when `user` may see their `category` data; else Http404.

    `user` must have the clinician role, an active CareLink to the member, and an
    active (not revoked) ConsentGrant that includes `category`. Every condition is
    checked against the database on each call, so a revocation takes effect at once.
    The 404 is the same whether the member does not exist or did not consent.

    This function writes no audit event: the domain app that then reads the member's
    data calls `mindhaven.core.audit.record_access` with what it read.
    """
    if user.role != User.Role.CLINICIAN:
        raise Http404
    if category not in CATEGORY_KEYS:
        raise Http404
    member = User.objects.filter(code=_as_uuid(code), is_active=True).first()
    if member is None:
        raise Http404
    if not has_consent(clinician=user, member=member, category=category):
        raise Http404
    return member


def get_clients_for_clinician(user: User) -> list[tuple[User, list[str]]]:
    """Every member with an active link to `user`, with the categories they share now
    (possibly none), ordered by name. Empty for anyone who is not a clinician."""
    if user.role != User.Role.CLINICIAN:
        return []
    links = CareLink.objects.filter(
        clinician=user, ended_at__isnull=True, member__is_active=True
    ).select_related("member")
    shared: dict[int, set[str]] = {link.member_id: set() for link in links}
    grants = ConsentGrant.objects.filter(link__in=links, revoked_at__isnull=True).select_related(
        "link"
    )
    for grant in grants:
        shared[grant.link.member_id].update(grant.categories)
    members = sorted((link.member for link in links), key=lambda m: m.name.casefold())
    return [(member, sorted_keys(shared[member.pk])) for member in members]


def get_link_for_member(user: User, code: UUID | str) -> CareLink:
    """The member's own care link with this code (active or ended); anyone else's is 404."""
    link = CareLink.objects.filter(code=_as_uuid(code)).select_related("clinician").first()
    if link is None:
        raise Http404
    if link.member_id != user.pk:
        raise Http404
    return link


def get_grant_for_member(user: User, code: UUID | str) -> ConsentGrant:
    """The member's own consent grant with this code (active or revoked); else 404."""
    grant = ConsentGrant.objects.filter(code=_as_uuid(code)).select_related("link").first()
    if grant is None:
        raise Http404
    if grant.link.member_id != user.pk:
        raise Http404
    return grant


def get_export_for_owner(user: User, code: UUID | str) -> ExportJob:
    """The person's own export job with this code, whatever its state; anyone else's is 404."""
    job = ExportJob.objects.filter(code=_as_uuid(code)).first()
    if job is None:
        raise Http404
    if job.user_id != user.pk:
        raise Http404
    return job
