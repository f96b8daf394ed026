"""The demo personas of DESIGN.md, used by `mindhaven demo` and by tests."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from mindhaven.accounts.consent import PRIVACY_SUMMARY_VERSION
from mindhaven.accounts.models import ConsentGrant, User
from mindhaven.accounts.services import grant_consent


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    role: str
    description: str
    timezone: str
    country: str
    locale: str = "en"


PERSONAS = (
    # alice in New York and bob in London: the demo shows times across zones (and their
    # different daylight-saving dates) from the start.
    Persona("alice", "Alice", User.Role.MEMBER, "member, client of bob", "America/New_York", "US"),
    Persona("bob", "Dr Bob Rivera", User.Role.CLINICIAN, "clinician", "Europe/London", "GB"),
    Persona(
        "carol",
        "Carol",
        User.Role.MODERATOR,
        "moderator of alice's group",
        "Europe/Madrid",
        "ES",
        "es",
    ),
    Persona(
        "dave",
        "Dr Dave Okafor",
        User.Role.CLINICIAN,
        "clinician, no link to alice",
        "America/Chicago",
        "US",
    ),
    Persona(
        "charlie",
        "Charlie",
        User.Role.MEMBER,
        "member, unrelated to everyone",
        "America/Mexico_City",
        "MX",
        "es",
    ),
)


@transaction.atomic
def create_demo_personas(*, password: str) -> list[User]:
    """Create or refresh the personas; MFA is not forced on them so the demo is usable."""
    users = []
    for persona in PERSONAS:
        user, _ = User.objects.update_or_create(
            username=persona.username,
            defaults={
                "display_name": persona.display_name,
                "email": f"{persona.username}@example.org",
                "role": persona.role,
                "timezone": persona.timezone,
                "country": persona.country,
                "locale": persona.locale,
                "is_demo": True,
            },
        )
        user.set_password(password)
        if user.role == User.Role.MEMBER and not user.has_agreed_to_privacy:
            user.privacy_agreed_at = timezone.now()
            user.privacy_version = PRIVACY_SUMMARY_VERSION
        user.save()
        EmailAddress.objects.update_or_create(
            user=user,
            email=user.email,
            defaults={"verified": True, "primary": True},
        )
        users.append(user)
    _link_alice_to_bob()
    # Imported here: care depends on accounts, never the reverse, except for the demo.
    from mindhaven.care.demo import create_demo_care

    create_demo_care()
    return users


# DESIGN.md: alice is bob's client and shares her mood and questionnaires with him.
DEMO_SHARED = ["mood", "assessments", "messages"]


def _link_alice_to_bob() -> None:
    alice = User.objects.get(username="alice")
    bob = User.objects.get(username="bob")
    shared = ConsentGrant.objects.filter(
        link__member=alice, link__clinician=bob, link__ended_at__isnull=True, revoked_at=None
    ).values_list("categories", flat=True)
    if not any(set(DEMO_SHARED) <= set(categories) for categories in shared):
        grant_consent(member=alice, clinician=bob, categories=DEMO_SHARED)
