"""Access functions for mood data: each returns what the user may see or raises Http404."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from mindhaven.accounts.models import User
from mindhaven.accounts.permissions import get_client_for_clinician
from mindhaven.core.audit import record_access
from mindhaven.mood.models import Activity, Emotion, MoodEntry

CATEGORY = "mood"


def get_entry_for_member(user: User, code: UUID | str) -> MoodEntry:
    """The member's own entry with this code; anyone else's, or none, is 404."""
    try:
        code = code if isinstance(code, UUID) else UUID(str(code))
    except ValueError:
        raise Http404 from None
    entry = MoodEntry.objects.filter(code=code).first()
    if entry is None:
        raise Http404
    if entry.member_id != user.pk:
        raise Http404
    return entry


def get_entries_for_clinician(
    user: User, client_code: UUID | str, *, request: HttpRequest | None = None
) -> QuerySet[MoodEntry]:
    """The entries of the member with `client_code`, for their clinician only.

    A clinician needs an active care link and the member's consent to `mood`, checked
    on every call (a revocation ends access at once); each read is audited. Anyone else,
    the member included (she reads her own through /mood/entries), gets 404, the same
    as for a member who does not exist.
    """
    member = get_client_for_clinician(user, client_code, CATEGORY)
    record_access(
        actor=user,
        subject=member,
        category=CATEGORY,
        action="view",
        object_type="mood.entries",
        request=request,
    )
    return MoodEntry.objects.filter(member=member)


def get_list_item_for_member(user: User, kind: str, pk: object) -> Activity | Emotion:
    """One of the member's own activities or emotions; anyone else's, or none, is 404."""
    model: type[Activity] | type[Emotion]
    if kind == "activity":
        model = Activity
    elif kind == "emotion":
        model = Emotion
    else:
        raise Http404
    try:
        key = int(str(pk))
    except ValueError:
        raise Http404 from None
    item = model.objects.filter(pk=key).first()
    if item is None:
        raise Http404
    if item.member_id != user.pk:
        raise Http404
    return item
