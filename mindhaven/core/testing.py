"""The test base class with the fixed cast of DESIGN.md.

alice: member, client of bob. bob: clinician. carol: moderator of alice's group.
dave: clinician with no link to alice. charlie: member who must see nothing of alice's.
"""

from typing import Any

from django.test import TestCase

from mindhaven.accounts.models import User

PASSWORD = "correct horse battery 42"  # noqa: S105 (the test cast's password)


def make_user(username: str, role: str = User.Role.MEMBER, **fields: Any) -> User:
    user = User.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        role=role,
        display_name=fields.pop("display_name", username.title()),
        **fields,
    )
    return user


class BaseTestCase(TestCase):
    password = PASSWORD
    alice: User
    bob: User
    carol: User
    dave: User
    charlie: User

    @classmethod
    def setUpTestData(cls) -> None:
        # Staff roles are created as demo personas so that tests which are not
        # about MFA reach their pages; MFA tests create a non-demo clinician.
        cls.alice = make_user("alice", timezone="Europe/London", country="GB")
        cls.bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
        cls.carol = make_user("carol", User.Role.MODERATOR, is_demo=True, locale="es")
        cls.dave = make_user("dave", User.Role.CLINICIAN, is_demo=True)
        cls.charlie = make_user("charlie")
