"""Data for the export and erasure tests: alice and charlie each own a bit of everything."""

from datetime import UTC, datetime
from uuid import uuid4

from allauth.account.models import EmailAddress

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, grant_consent, issue_token
from mindhaven.core.audit import record_access
from mindhaven.mood.services import record_checkin

ALICE_NOTE = "alice-marker: a walk by the river helped"
CHARLIE_NOTE = "charlie-marker: nobody else may read this"


def give_data(user: User, *, note: str, clinician: User | None = None) -> None:
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    issue_token(user=user, name=f"{user.username}'s phone")  # also a notification
    record_checkin(
        member=user,
        client_id=uuid4(),
        recorded_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        mood=4,
        activities=["walk"],
        note=note,
    )
    if clinician is not None:
        agree_to_privacy(user=user)
        grant_consent(member=user, clinician=clinician, categories=["mood"])
        record_access(actor=clinician, subject=user, category="mood", action="view")
