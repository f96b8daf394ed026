"""The demo personas of DESIGN.md, used by `mindhaven demo` and by tests."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from mindhaven.accounts.models import User


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
    Persona("alice", "Alice", User.Role.MEMBER, "member, client of bob", "Europe/London", "GB"),
    Persona("bob", "Dr Bob Rivera", User.Role.CLINICIAN, "clinician", "America/New_York", "US"),
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
        user.save()
        EmailAddress.objects.update_or_create(
            user=user,
            email=user.email,
            defaults={"verified": True, "primary": True},
        )
        users.append(user)
    return users
