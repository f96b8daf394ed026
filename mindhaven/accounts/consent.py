"""What a member can share with a clinician, and the texts they agree to.

The category keys are part of the API contract: never rename one. When the wording a
person agrees to changes in meaning, bump the matching version so that history shows
which text each grant was given under.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The version of the consent wording (category descriptions and the sharing page).
CONSENT_TEXT_VERSION = "2026-11-29"
# The version of the privacy summary a member agrees to before anything sensitive.
PRIVACY_SUMMARY_VERSION = "2026-11-29"


@dataclass(frozen=True)
class Category:
    key: str
    label: Promise
    description: Promise


CATEGORIES: tuple[Category, ...] = (
    Category("mood", _("Mood"), _("Your mood check-ins, the activities you log, and your notes.")),
    Category("journal", _("Journal"), _("What you write in your journal.")),
    Category(
        "assessments",
        _("Questionnaires"),
        _("Your answers and scores on questionnaires such as PHQ-9 and GAD-7."),
    ),
    Category(
        "vitals",
        _("Health data"),
        _("Heart rate, sleep and steps from your watch or other devices."),
    ),
    Category(
        "exposure",
        _("VR exposure practice"),
        _("Your VR practice: scenes, your fear ladder and how anxious you felt."),
    ),
    Category("messages", _("Messages"), _("Secure messages between you and this clinician.")),
    Category("safety_plan", _("Safety plan"), _("Your personal safety plan.")),
    Category(
        "safety_alerts",
        _("Safety alerts"),
        _("An alert when something you write suggests you may be in crisis, so they can help."),
    ),
)

CATEGORY_KEYS: tuple[str, ...] = tuple(category.key for category in CATEGORIES)
_BY_KEY = {category.key: category for category in CATEGORIES}


def get_category(key: str) -> Category | None:
    return _BY_KEY.get(key)


def sorted_keys(keys: object) -> list[str]:
    """Known category keys from `keys`, once each, in the order of CATEGORIES."""
    wanted = set(keys) if isinstance(keys, list | tuple | set | frozenset) else set()
    return [key for key in CATEGORY_KEYS if key in wanted]


# The privacy summary, one short point per line: plain words, US grade 8 or below
# (tests/test_consent_privacy.py measures it). Shown before anything sensitive is asked.
PRIVACY_SUMMARY: tuple[Promise, ...] = (
    _("We store what you choose to write here, like your mood and notes."),
    _("Only you can see it at first."),
    _("A clinician sees your data only if you pick them and say yes."),
    _("You choose which parts they see. You can stop sharing at any time."),
    _("Each time someone else looks at your data, we log it. You can read that log."),
    _("Your notes are locked with encryption when we store them."),
    _("You can download all your data, or delete your account, at any time."),
    _("This is not an emergency service. If you are in danger, call your local emergency number."),
)
