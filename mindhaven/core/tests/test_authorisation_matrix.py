"""The authorisation matrix: every route of the project, every actor, one expected outcome.

How it works
- ENUMERATION walks everything the project answers over HTTP: every Django URL pattern
  (get_resolver(), recursively: ours, allauth's, admin's, ninja's) and every API
  operation (the OpenAPI schema's paths x methods). Each enumerated route gets a key:
  the full Django route for pages ("accounts/profile/"), "METHOD /api/v1/path" for API
  operations. Websocket routes have their own module, test_authorisation_matrix_ws.py
  (sockets need committed data, which this module's one rolled-back transaction is not).
- The TABLES (PAGES, API) say, for each key, how to build the URL for each
  actor and what each actor gets. Exact keys come first; a few RULES match groups
  (admin's and allauth's many routes) by regex, each with the reason.
- test_it_lists_every_route fails when a route exists that no row or rule matches,
  and when a row names a route that no longer exists. So a new route cannot skip it.
- Each (row, actor) is one parametrised test, run through the test client: pages with
  a session, API rows with a session and again with a bearer token. A row may limit
  its actors (`actors=`), with the reason: admin's many routes answer every non-staff
  person alike, so they run for anonymous, alice and erin only.

Adding a row: run this module; the failure names the new key. Add a Row to PAGES
(or an ApiRow to API) with the outcome for each actor, starting from a helper:
`signed_in()` (anonymous sent to sign in, everyone else let in), `public()`,
`api_signed_in()`; override per actor with keywords (charlie=NOT_FOUND). For a route
with a parameter, give `url` a function of (cast, actor) that builds it, normally from
alice's object, so that everyone else must get 404.

The cast: alice (member; agreed to the privacy summary; consents to bob for mood,
assessments, safety_plan and messages; has a mood entry, a token, an export, a safety
alert to bob, a message thread with bob, a session with bob starting in 5
minutes whose video room is open), bob (clinician, alice's), carol
(moderator), dave (clinician, no link), charlie (member, unrelated), erin (clinician
who is NOT a demo persona and has no second factor: sent to set one up), and anonymous.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from mindhaven.accounts import services as account_services
from mindhaven.accounts.models import ExportJob, User
from mindhaven.care import models as care_models
from mindhaven.care.models import Appointment, Thread
from mindhaven.care.services.notes import save_note, sign_note
from mindhaven.core.testing import make_user
from mindhaven.mood.services import record_checkin
from mindhaven.safety.models import SafetyAlert

ACTORS = ("anonymous", "alice", "bob", "carol", "dave", "charlie", "erin")

# Outcomes: what a response is, in words.
ALLOW = "allow (2xx)"
REDIRECT_LOGIN = "redirect to sign in"
ADMIN_LOGIN = "redirect to the admin's sign in"
MFA_SETUP = "redirect to two-factor set-up"
REAUTH = "redirect to confirm the password (sudo mode)"
PRIVACY = "redirect to the privacy agreement"
REDIRECT = "redirect elsewhere"
BAD_REQUEST = "400"
DENY_401 = "401"
DENY_403 = "403"
NOT_FOUND = "404"
NOT_ALLOWED = "405"
INVALID = "422"


def outcome(response: HttpResponse) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return ALLOW
    if status in (301, 302, 303, 307):
        where = response["Location"]
        if where.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if where.startswith("/accounts/login/"):
            return REDIRECT_LOGIN
        if where.startswith("/accounts/2fa/") and "reauthenticate" not in where:
            return MFA_SETUP
        if where.startswith(("/accounts/reauthenticate/", "/accounts/2fa/reauthenticate/")):
            return REAUTH
        if where.startswith("/accounts/privacy/agree/"):
            return PRIVACY
        return REDIRECT
    return {400: BAD_REQUEST, 401: DENY_401, 403: DENY_403, 404: NOT_FOUND}.get(
        status, {405: NOT_ALLOWED, 422: INVALID}.get(status, str(status))
    )


# --- the cast ---------------------------------------------------------------------


@dataclass
class Cast:
    users: dict[str, User]
    objects: dict[str, str]  # alice's objects' codes, by name
    tokens: dict[str, str] = field(default_factory=dict)  # bearer tokens by actor
    sessions: dict[str, str] = field(default_factory=dict)  # session keys by actor


UrlFor = Callable[[Cast, str], str]


def alices(name: str, template: str) -> UrlFor:
    """A URL built from one of alice's objects, the same for every actor."""
    return lambda cast, actor: template.format(cast.objects[name])


def invented(template: str) -> UrlFor:
    """A URL with a code that belongs to no one."""
    return lambda cast, actor: template.format(uuid.UUID(int=1))


# --- the tables -------------------------------------------------------------------


def expect(default: str, **overrides: str) -> dict[str, str]:
    table = dict.fromkeys(ACTORS, default)
    table.update(overrides)
    return table


def public(**overrides: str) -> dict[str, str]:
    """Anyone, signed in or not (and erin too: public pages need no second factor)."""
    return expect(ALLOW, **overrides)


def signed_in(**overrides: str) -> dict[str, str]:
    """Anyone signed in; erin is first sent to set up a second factor."""
    return expect(ALLOW, anonymous=REDIRECT_LOGIN, erin=MFA_SETUP) | overrides


def account_page(**overrides: str) -> dict[str, str]:
    """Under /accounts/: reachable without a second factor, so that erin can set one up."""
    return signed_in(erin=ALLOW) | overrides


def entrance(**overrides: str) -> dict[str, str]:
    """allauth's entrance pages: open to visitors; signed-in people are sent on."""
    return expect(REDIRECT, anonymous=ALLOW) | overrides


def api_signed_in(**overrides: str) -> dict[str, str]:
    """An API operation for anyone signed in; erin gets 403 until she has 2FA."""
    return expect(ALLOW, anonymous=DENY_401, erin=DENY_403) | overrides


MEMBERS_AND_STAFF = ("alice", "bob", "carol", "dave", "charlie", "erin")
SUDO_ALL = dict.fromkeys(MEMBERS_AND_STAFF, REAUTH)  # sudo mode: confirm the password first
SIGNED_IN_REDIRECT = dict.fromkeys(MEMBERS_AND_STAFF, REDIRECT)
STAFF_403 = {"bob": DENY_403, "carol": DENY_403, "dave": DENY_403, "erin": DENY_403}
NOT_CLINICIAN_403 = {"alice": DENY_403, "carol": DENY_403, "charlie": DENY_403}
MEMBERS_ONLY = {"bob": DENY_403, "carol": DENY_403, "dave": DENY_403}
ALICE_ONLY = {"bob": NOT_FOUND, "carol": NOT_FOUND, "dave": NOT_FOUND, "charlie": NOT_FOUND}
# Admin's routes: a visitor, a member, and staff without a second factor. Nobody in the
# cast is staff, so bob, carol, dave and charlie take alice's path through the admin.
ADMIN_ACTORS = ("anonymous", "alice", "erin")
# An appointment's participants are alice and bob: everyone else gets 404.
OTHERS_404 = {"carol": NOT_FOUND, "dave": NOT_FOUND, "charlie": NOT_FOUND}


@dataclass(frozen=True)
class Row:
    route: str  # the full Django route, or a regex when `rule` is set
    expected: dict[str, str]
    method: str = "get"
    url: UrlFor | None = None  # default: "/" + route
    data: dict[str, Any] | None = None
    rule: bool = False  # `route` is a regex over routes: one row for a group
    why: str = ""
    actors: tuple[str, ...] = ACTORS  # fewer only with a reason in `why`

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.route}"


PAGES: list[Row] = [
    # core
    Row("", public(erin=MFA_SETUP), why="home is public, but staff without 2FA go to set it up"),
    Row("help/", public()),
    Row("offline/", public()),
    Row("trust/", public()),
    Row("healthz", public()),
    Row("manifest.webmanifest", public()),
    Row("sw.js", public()),
    Row("i18n/setlang/", expect(REDIRECT), method="post", data={"language": "es"}),
    # accounts: profile, tokens, access log
    Row("accounts/profile/", account_page()),
    Row("accounts/profile/tokens/", account_page(), method="post", data={"name": "matrix"}),
    Row(
        "accounts/profile/tokens/<uuid:code>/revoke/",
        account_page(alice=REDIRECT, **ALICE_ONLY, erin=NOT_FOUND),
        method="post",
        url=alices("token", "/accounts/profile/tokens/{}/revoke/"),
    ),
    Row("accounts/access-log/", account_page()),
    # accounts: care links and consent
    Row("accounts/privacy/agree/", account_page()),
    Row("accounts/clinicians/", account_page(charlie=PRIVACY, **STAFF_403)),
    Row(
        "accounts/clinicians/<uuid:code>/link/",
        account_page(**SUDO_ALL) | {"charlie": PRIVACY},
        method="post",
        url=lambda cast, actor: f"/accounts/clinicians/{cast.users['dave'].code}/link/",
    ),
    Row("accounts/sharing/", account_page(charlie=PRIVACY, **STAFF_403)),
    Row(
        "accounts/sharing/<uuid:code>/",
        account_page(**SUDO_ALL) | {"charlie": PRIVACY},
        method="post",
        url=alices("link", "/accounts/sharing/{}/"),
    ),
    Row(
        "accounts/sharing/<uuid:code>/end/",
        account_page(**SUDO_ALL) | {"charlie": PRIVACY},
        method="post",
        url=alices("link", "/accounts/sharing/{}/end/"),
    ),
    Row(
        "accounts/invite/<str:token>/",
        account_page(alice=NOT_FOUND, charlie=PRIVACY, **STAFF_403),
        url=lambda cast, actor: "/accounts/invite/not-a-real-invite/",
    ),
    Row("accounts/clients/", account_page(**NOT_CLINICIAN_403)),
    Row("accounts/clients/invite/", account_page(**NOT_CLINICIAN_403), method="post"),
    # accounts: export and erasure
    Row("accounts/export/", account_page(**SUDO_ALL)),
    Row(
        "accounts/export/<uuid:code>/",
        account_page(**ALICE_ONLY, erin=NOT_FOUND),
        url=alices("export", "/accounts/export/{}/"),
    ),
    Row(
        "accounts/export/<uuid:code>/download/",
        account_page(**SUDO_ALL),
        url=alices("export", "/accounts/export/{}/download/"),
    ),
    Row("accounts/delete/", account_page()),
    Row("accounts/goodbye/", public()),
    # notifications
    Row("notifications/", signed_in()),
    Row(
        "notifications/read/",
        signed_in(**SIGNED_IN_REDIRECT) | {"erin": MFA_SETUP},
        method="post",
    ),
    # mood
    Row("mood/", signed_in()),
    Row("mood/check-in/", signed_in(charlie=PRIVACY)),
    Row(
        "mood/check-in/shell/",
        public(erin=MFA_SETUP),
        why="the empty offline check-in form; the SW fetches it anonymously",
    ),
    Row("mood/entries/", signed_in()),
    # Daylio import: the preview and summary send back to the upload form when there is
    # nothing to show (no upload in this session), so every signed-in actor is redirected.
    Row("mood/import/", signed_in(charlie=PRIVACY)),
    Row(
        "mood/import/preview/",
        signed_in(**SIGNED_IN_REDIRECT) | {"charlie": PRIVACY, "erin": MFA_SETUP},
    ),
    Row("mood/import/done/", signed_in(**SIGNED_IN_REDIRECT) | {"erin": MFA_SETUP}),
    Row("mood/calendar/", signed_in()),
    Row("mood/trends/", signed_in()),
    Row(
        "mood/entries/<uuid:code>/edit/",
        signed_in(**ALICE_ONLY),
        url=alices("mood_entry", "/mood/entries/{}/edit/"),
    ),
    Row(
        "mood/entries/<uuid:code>/delete/",
        signed_in(**ALICE_ONLY) | {"alice": REDIRECT},
        method="post",
        url=alices("mood_entry", "/mood/entries/{}/delete/"),
    ),
    Row("mood/insights/", signed_in(), why="each member sees only their own insights"),
    # Reminders, streaks and lists: each member reads and changes only their own.
    Row("mood/settings/", signed_in(), why="each member's own reminder and streak settings"),
    Row("mood/lists/", signed_in(), why="each member's own emotions and activities"),
    # (Hiding someone else's item is 404: mood/tests/test_lists.py, the charlie case.)
    Row("mood/reminders/snooze/", signed_in(), why="snoozes only the member's own reminder"),
    Row(
        "mood/clients/<uuid:code>/",
        signed_in(alice=NOT_FOUND, carol=NOT_FOUND, dave=NOT_FOUND, charlie=NOT_FOUND),
        url=lambda cast, actor: f"/mood/clients/{cast.users['alice'].code}/",
        why="only a linked clinician with alice's mood consent (bob) reads her check-ins",
    ),
    # safety: a plan is its member's own (staff have none); alerts reach only their clinician
    Row("safety/plan/", signed_in(**MEMBERS_ONLY), why="each member's own plan"),
    Row("safety/plan/edit/", signed_in(**MEMBERS_ONLY) | {"charlie": PRIVACY}),
    Row("safety/plan/download/", signed_in(**MEMBERS_ONLY)),
    Row("safety/support/", signed_in(), why="the support panel, for whoever is signed in"),
    Row("safety/alerts/", signed_in(**NOT_CLINICIAN_403), why="each clinician's own alerts"),
    Row(
        "safety/alerts/notify/",
        signed_in(alice=REDIRECT, charlie=REDIRECT, **MEMBERS_ONLY),
        method="post",
        why="alice's clinicians are told; charlie, with none, is told so kindly",
    ),
    Row(
        "safety/alerts/<uuid:code>/acknowledge/",
        signed_in(**ALICE_ONLY) | {"alice": NOT_FOUND, "bob": REDIRECT},
        method="post",
        url=alices("safety_alert", "/safety/alerts/{}/acknowledge/"),
    ),
    # care: secure messaging (a thread is its member's and, while she shares messages, bob's)
    Row("care/messages/", signed_in(), why="each person's own threads"),
    Row(
        "care/messages/<uuid:code>/",
        signed_in(**ALICE_ONLY) | {"bob": ALLOW},
        url=alices("thread", "/care/messages/{}/"),
    ),
    # care: booking. An appointment is its member's and its clinician's; bob is not
    # listed, so only he and his client alice see his profile and slots.
    Row("care/", signed_in()),
    Row("care/clinicians/", signed_in()),
    Row(
        "care/clients/<uuid:code>/",
        signed_in(alice=NOT_FOUND, **OTHERS_404),
        url=lambda cast, actor: f"/care/clients/{cast.users['alice'].code}/",
        why="a clinician's page for a client linked to them now",
    ),
    Row(
        "care/clinicians/<uuid:code>/",
        signed_in(**OTHERS_404),
        url=lambda cast, actor: f"/care/clinicians/{cast.users['bob'].code}/",
    ),
    Row(
        "care/clinicians/<uuid:code>/book/",
        signed_in(alice=REDIRECT, bob=REDIRECT, **OTHERS_404) | {"charlie": PRIVACY},
        url=lambda cast, actor: f"/care/clinicians/{cast.users['bob'].code}/book/",
        why="without a chosen time, back to the clinician's slots",
    ),
    Row(
        "care/appointments/<uuid:code>/",
        signed_in(**OTHERS_404),
        url=alices("appointment", "/care/appointments/{}/"),
    ),
    Row(
        "care/appointments/<uuid:code>/event.ics",
        signed_in(**OTHERS_404),
        url=alices("appointment", "/care/appointments/{}/event.ics"),
        why="one appointment as a calendar file, for its participants",
    ),
    Row(
        "care/appointments/<uuid:code>/cancel/",
        signed_in(alice=REDIRECT, bob=REDIRECT, **OTHERS_404),
        method="post",
        url=alices("appointment", "/care/appointments/{}/cancel/"),
    ),
    Row(
        "care/appointments/<uuid:code>/reschedule/",
        signed_in(**OTHERS_404) | {"charlie": PRIVACY},
        url=alices("appointment", "/care/appointments/{}/reschedule/"),
    ),
    Row("care/availability/", signed_in(**NOT_CLINICIAN_403), why="each clinician's own"),
    Row(
        "care/availability/exceptions/",
        signed_in(bob=BAD_REQUEST, dave=BAD_REQUEST, **NOT_CLINICIAN_403),
        method="post",
        why="an empty form: clinicians get it back with errors",
    ),
    Row(
        "care/availability/exceptions/<int:pk>/delete/",
        signed_in(**ALICE_ONLY) | {"alice": NOT_FOUND, "bob": REDIRECT},
        method="post",
        url=lambda cast, actor: (
            f"/care/availability/exceptions/{cast.objects['bob_exception']}/delete/"
        ),
        why="bob's own exception",
    ),
    Row("care/schedule/", signed_in(**NOT_CLINICIAN_403), why="each clinician's own"),
    Row("care/calendar/", signed_in(), why="each person's own feed address"),
    Row(
        "care/calendar/reset/",
        signed_in(**SIGNED_IN_REDIRECT) | {"erin": MFA_SETUP},
        method="post",
    ),
    Row(
        "care/calendar/<str:token>.ics",
        public(erin=MFA_SETUP),
        url=lambda cast, actor: f"/care/calendar/{cast.objects['calendar_token']}.ics",
        why="the secret address is the credential (calendar apps cannot sign in);"
        " a staff session without 2FA is sent to set it up, as on the home page",
    ),
    # care: session notes, on a past appointment of alice's with a signed note (bob's).
    Row("care/notes/", signed_in(**NOT_CLINICIAN_403), why="each clinician's own note work"),
    # bob writes; alice reads it once signed; everyone else gets 404.
    Row(
        "care/appointments/<uuid:code>/note/",
        signed_in(**ALICE_ONLY) | {"bob": ALLOW},
        url=alices("noted_appointment", "/care/appointments/{}/note/"),
    ),
    Row(
        "care/appointments/<uuid:code>/note/sign/",
        signed_in(**ALICE_ONLY) | {"alice": NOT_FOUND, "bob": REDIRECT},
        method="post",
        url=alices("noted_appointment", "/care/appointments/{}/note/sign/"),
        why="already signed: bob is sent back to the note",
    ),
    Row(
        "care/appointments/<uuid:code>/note/amendments/",
        signed_in(**ALICE_ONLY) | {"alice": NOT_FOUND, "bob": REDIRECT},
        method="post",
        url=alices("noted_appointment", "/care/appointments/{}/note/amendments/"),
        data={"id": str(uuid.UUID(int=3)), "body": "matrix"},
    ),
    # care: video rooms. The room of alice's session with bob (starting in 5 minutes) is
    # open to the two of them only; the device test page is for anyone signed in.
    Row(
        "care/rooms/<uuid:code>/",
        signed_in(**OTHERS_404),
        url=alices("live_appointment", "/care/rooms/{}/"),
    ),
    Row("care/device-test/", signed_in()),
    # API pages that are not operations
    Row("api/v1/openapi.json", public()),
    Row("api/v1/docs", public()),
    Row("api/v1/", expect(NOT_FOUND, erin=DENY_403), why="no root document"),
    Row(
        "api/v1/^.+$",
        expect(NOT_FOUND, erin=DENY_403),
        url=lambda cast, actor: "/api/v1/no-such-endpoint",
        why="the API's own JSON 404 for any path no operation answers",
    ),
    # allauth: entrance pages are open; manage pages need a session.
    Row("accounts/login/", entrance()),
    Row("accounts/signup/", entrance()),
    Row("accounts/logout/", account_page(anonymous=REDIRECT)),
    Row("accounts/inactive/", public()),
    Row("accounts/password/reset/", public()),
    Row("accounts/password/reset/done/", public()),
    Row("accounts/password/reset/key/done/", public()),
    Row(
        "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        public(),
        url=lambda cast, actor: "/accounts/password/reset/key/1-set-password/",
        why="a bad key shows the 'link is invalid' page",
    ),
    Row("accounts/confirm-email/", public()),
    Row(
        "accounts/^confirm-email/(?P<key>[-:\\w]+)/$",
        public(),
        url=lambda cast, actor: "/accounts/confirm-email/not-a-key/",
    ),
    Row("accounts/login/code/confirm/", expect(REDIRECT, anonymous=REDIRECT_LOGIN)),
    Row("accounts/reauthenticate/", account_page()),
    Row("accounts/reauthenticate/code/", account_page(**SUDO_ALL)),
    Row("accounts/reauthenticate/code/confirm/", account_page(**SUDO_ALL)),
    Row("accounts/email/", account_page()),
    Row("accounts/password/change/", account_page()),
    Row("accounts/password/set/", account_page(**SIGNED_IN_REDIRECT)),
    Row("accounts/2fa/", account_page()),
    Row("accounts/2fa/webauthn/", account_page()),
    Row(
        r"accounts/2fa/(recovery-codes/|recovery-codes/download/|totp/deactivate/)",
        account_page(**dict.fromkeys(MEMBERS_AND_STAFF, NOT_FOUND)),
        rule=True,
        why="no recovery codes or TOTP yet: nothing to show or turn off",
    ),
    Row("admin/login/", public(erin=MFA_SETUP)),
    Row(
        "admin/logout/",
        signed_in(**SIGNED_IN_REDIRECT) | {"anonymous": ADMIN_LOGIN, "erin": MFA_SETUP},
    ),
    Row(
        r"admin/(?!password_change|r/)\w+/\w+/.*",
        expect(ADMIN_LOGIN, anonymous=REDIRECT_LOGIN, erin=MFA_SETUP),
        rule=True,
        why="model pages: the site's sign-in catches visitors first; non-staff go to the admin's."
        " Every non-staff member answers like alice, so the others are not run.",
        actors=ADMIN_ACTORS,
    ),
    Row(
        r"accounts/2fa/(authenticate|webauthn/login)/",
        expect(REDIRECT, anonymous=REDIRECT_LOGIN),
        rule=True,
        why="second-factor sign-in steps: answer without a pending sign-in",
    ),
    Row(
        r"accounts/2fa/.*",
        account_page(**SUDO_ALL),
        rule=True,
        why="allauth's two-factor management: anyone signed in, for their own factors only",
    ),
    Row(
        r"admin/.*",
        expect(ADMIN_LOGIN, erin=MFA_SETUP),
        rule=True,
        why="no one in the cast is staff: every admin page sends them to the admin's sign in."
        " Every non-staff member answers like alice, so the others are not run.",
        actors=ADMIN_ACTORS,
    ),
]


@dataclass(frozen=True)
class ApiRow:
    method: str
    path: str  # as in the OpenAPI schema
    expected: dict[str, str]
    url: UrlFor | None = None
    data: dict[str, Any] | None = None
    # Outcomes that differ when the call carries a bearer token instead of a session.
    bearer: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"


MEMBER_422 = dict.fromkeys(("alice", "bob", "carol", "dave", "charlie"), INVALID)
CLIENT_MOOD = "/api/v1/clinician/clients/{}/mood/entries"
CLIENT_PLAN = "/api/v1/clinician/clients/{}/safety-plan"
NOTE_API = "/api/v1/care/appointments/{}/note"

API: list[ApiRow] = [
    ApiRow(
        "post",
        "/api/v1/auth/register",
        expect(INVALID),  # public: a session without 2FA does not close it
        data={"username": "", "password": "", "email": ""},
    ),
    ApiRow(
        "post",
        "/api/v1/auth/token",
        expect(DENY_401),
        data={"username": "x", "password": "y"},
    ),
    ApiRow(
        "delete",
        "/api/v1/auth/token",
        api_signed_in(**dict.fromkeys(("alice", "bob", "carol", "dave", "charlie"), BAD_REQUEST)),
        bearer={"alice": ALLOW, "bob": ALLOW, "carol": ALLOW, "dave": ALLOW, "charlie": ALLOW},
    ),
    ApiRow("get", "/api/v1/auth/tokens", api_signed_in()),
    ApiRow(
        "delete",
        "/api/v1/auth/tokens/{code}",
        api_signed_in(**ALICE_ONLY),
        url=alices("token", "/api/v1/auth/tokens/{}"),
    ),
    ApiRow("get", "/api/v1/me", api_signed_in()),
    ApiRow("patch", "/api/v1/me", api_signed_in(), data={}),
    ApiRow(
        "delete",
        "/api/v1/me",
        api_signed_in(**dict.fromkeys(("alice", "bob", "carol", "dave", "charlie"), DENY_403)),
        data={"password": "wrong password"},
    ),
    ApiRow("get", "/api/v1/me/access-log", api_signed_in()),
    ApiRow("get", "/api/v1/me/export", api_signed_in()),
    ApiRow("get", "/api/v1/notifications", api_signed_in()),
    ApiRow("get", "/api/v1/consents", api_signed_in()),
    ApiRow(
        "post",
        "/api/v1/consents",
        api_signed_in(alice=INVALID, charlie=DENY_403, **MEMBERS_ONLY),
        data={"clinician": "dave", "categories": ["no-such-category"]},
    ),
    ApiRow(
        "delete",
        "/api/v1/consents/{id}",
        api_signed_in(**ALICE_ONLY),
        url=alices("grant", "/api/v1/consents/{}"),
    ),
    ApiRow(
        "get",
        "/api/v1/clinician/clients",
        api_signed_in(alice=DENY_403, carol=DENY_403, charlie=DENY_403),
    ),
    ApiRow(
        "get",
        "/api/v1/clinician/clients/{code}/mood/entries",
        # 404 for everyone but a linked clinician with mood consent, alice herself too.
        api_signed_in(**ALICE_ONLY) | {"alice": NOT_FOUND, "bob": ALLOW},
        url=lambda cast, actor: CLIENT_MOOD.format(cast.users["alice"].code),
    ),
    ApiRow("get", "/api/v1/mood/entries", api_signed_in()),
    # Empty bodies: everyone signed in gets the same 422 naming the missing fields.
    ApiRow("post", "/api/v1/mood/entries", api_signed_in(**MEMBER_422), data={}),
    ApiRow("post", "/api/v1/mood/entries/batch", api_signed_in(**MEMBER_422), data={}),
    ApiRow(
        "patch",
        "/api/v1/mood/entries/{code}",
        # charlie has not agreed to the privacy summary: API writes of member data say so.
        api_signed_in(**ALICE_ONLY) | {"charlie": DENY_403},
        url=alices("mood_entry", "/api/v1/mood/entries/{}"),
        data={},
    ),
    ApiRow(
        "delete",
        "/api/v1/mood/entries/{code}",
        api_signed_in(**ALICE_ONLY),
        url=alices("mood_entry", "/api/v1/mood/entries/{}"),
    ),
    ApiRow("get", "/api/v1/mood/export.csv", api_signed_in()),
    ApiRow(
        "post",
        "/api/v1/safety/assess",
        api_signed_in(**MEMBER_422),
        data={},
    ),
    # No body: everyone signed in gets the 422 naming the missing file.
    ApiRow("post", "/api/v1/mood/import/daylio", api_signed_in(**MEMBER_422)),
    ApiRow("get", "/api/v1/mood/insights", api_signed_in()),  # each sees only their own
    ApiRow("get", "/api/v1/mood/settings", api_signed_in()),  # each reads only their own
    ApiRow("get", "/api/v1/safety/plan", api_signed_in(**MEMBERS_ONLY)),  # the member's own
    ApiRow("put", "/api/v1/safety/plan", api_signed_in(**MEMBER_422), data={}),
    ApiRow(
        "get",
        "/api/v1/clinician/clients/{code}/safety-plan",
        # 404 for everyone but a linked clinician with safety_plan consent, alice too.
        api_signed_in(**ALICE_ONLY) | {"alice": NOT_FOUND, "bob": ALLOW},
        url=lambda cast, actor: CLIENT_PLAN.format(cast.users["alice"].code),
    ),
    # An empty body: everyone signed in gets the same 422 naming the missing fields.
    ApiRow("put", "/api/v1/mood/settings", api_signed_in(**MEMBER_422), data={}),
    # care: secure messaging
    ApiRow("get", "/api/v1/care/threads", api_signed_in()),  # each person's own threads
    ApiRow(
        "get",
        "/api/v1/care/threads/{code}/messages",
        api_signed_in(**ALICE_ONLY) | {"bob": ALLOW},
        url=alices("thread", "/api/v1/care/threads/{}/messages"),
    ),
    ApiRow(
        "post",
        "/api/v1/care/threads/{code}/messages",
        # charlie has not agreed to the privacy summary: a member's write stops there first.
        api_signed_in(**ALICE_ONLY) | {"bob": ALLOW, "charlie": DENY_403},
        url=alices("thread", "/api/v1/care/threads/{}/messages"),
        data={"code": str(uuid.UUID(int=2)), "body": "matrix"},
    ),
    ApiRow(
        "post",
        "/api/v1/care/threads/{code}/read",
        api_signed_in(**ALICE_ONLY) | {"bob": ALLOW},
        url=alices("thread", "/api/v1/care/threads/{}/read"),
    ),
    # care: booking
    ApiRow("get", "/api/v1/clinician/availability", api_signed_in(**NOT_CLINICIAN_403)),
    ApiRow("put", "/api/v1/clinician/availability", api_signed_in(**MEMBER_422), data={}),
    ApiRow("get", "/api/v1/care/clinicians", api_signed_in()),  # listed, and one's own
    ApiRow(
        "get",
        "/api/v1/care/clinicians/{code}/slots",
        api_signed_in(**OTHERS_404),
        url=lambda cast, actor: f"/api/v1/care/clinicians/{cast.users['bob'].code}/slots",
    ),
    ApiRow("get", "/api/v1/care/appointments", api_signed_in()),  # each their own
    ApiRow("post", "/api/v1/care/appointments", api_signed_in(**MEMBER_422), data={}),
    ApiRow(
        "post",
        "/api/v1/care/appointments/{code}/cancel",
        api_signed_in(**OTHERS_404),
        url=alices("appointment", "/api/v1/care/appointments/{}/cancel"),
    ),
    ApiRow(
        "post",
        "/api/v1/care/appointments/{code}/reschedule",
        # A time in the past: the participants get 422 naming `start`, everyone else 404
        # (charlie first 403: a member must agree to the privacy summary to book).
        api_signed_in(alice=INVALID, bob=INVALID, **OTHERS_404) | {"charlie": DENY_403},
        url=alices("appointment", "/api/v1/care/appointments/{}/reschedule"),
        data={"start": "2020-01-06T09:00:00Z"},
    ),
    ApiRow("get", "/api/v1/care/calendar.ics", api_signed_in()),  # each their own
    # care: session notes (alice's past appointment with bob, its note signed)
    ApiRow(
        "get",
        "/api/v1/care/appointments/{code}/note",
        api_signed_in(**ALICE_ONLY) | {"bob": ALLOW},  # alice reads a signed note
        url=alices("noted_appointment", NOTE_API),
    ),
    ApiRow(
        "put",
        "/api/v1/care/appointments/{code}/note",
        api_signed_in(**ALICE_ONLY) | {"alice": NOT_FOUND, "bob": "409"},  # signed: locked
        url=alices("noted_appointment", NOTE_API),
        data={"subjective": "", "objective": "", "assessment": "", "plan": "matrix"},
    ),
    ApiRow(
        "post",
        "/api/v1/care/appointments/{code}/note/sign",
        api_signed_in(**ALICE_ONLY) | {"alice": NOT_FOUND, "bob": ALLOW},  # signing again: 200
        url=alices("noted_appointment", NOTE_API + "/sign"),
    ),
    ApiRow(
        "post",
        "/api/v1/care/appointments/{code}/note/amendments",
        api_signed_in(**ALICE_ONLY) | {"alice": NOT_FOUND, "bob": ALLOW},
        url=alices("noted_appointment", NOTE_API + "/amendments"),
        data={"id": str(uuid.UUID(int=4)), "body": "matrix"},
    ),
    # care: video rooms (alice's session with bob, starting in 5 minutes)
    ApiRow(
        "get",
        "/api/v1/care/rooms/{code}",
        api_signed_in(**OTHERS_404),
        url=alices("live_appointment", "/api/v1/care/rooms/{}"),
    ),
    ApiRow(
        "get",
        "/api/v1/care/rooms/{code}/ice",
        api_signed_in(**OTHERS_404),
        url=alices("live_appointment", "/api/v1/care/rooms/{}/ice"),
    ),
]


# --- enumeration ------------------------------------------------------------------


def walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def api_operation_routes() -> set[str]:
    """Django routes of API operations (covered by the API table, not the page table)."""
    from mindhaven.api import api

    paths = api.get_openapi_schema()["paths"]
    return {re.sub(r"\{(\w+)\}", r"<\1>", path).lstrip("/") for path in paths}


def enumerate_pages() -> set[str]:
    operations = api_operation_routes()
    return {route for route in walk(get_resolver().url_patterns) if route not in operations}


def enumerate_api() -> set[str]:
    from mindhaven.api import api

    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def row_for(route: str) -> Row | None:
    """The exact row for a route, else the first rule that matches it."""
    for row in PAGES:
        if not row.rule and row.route == route:
            return row
    for row in PAGES:
        if row.rule and re.fullmatch(row.route, route):
            return row
    return None


def test_it_lists_every_route() -> None:
    pages = enumerate_pages()
    unlisted = sorted(route for route in pages if row_for(route) is None)
    listed_exact = {row.route for row in PAGES if not row.rule}
    gone = sorted(listed_exact - pages)
    unused_rules = [
        row.route for row in PAGES if row.rule and not any(row_for(r) is row for r in pages)
    ]
    api_unlisted = sorted(enumerate_api() - {row.key for row in API})
    api_gone = sorted({row.key for row in API} - enumerate_api())
    problems = {
        "routes with no row (add one to PAGES)": unlisted,
        "rows for routes that no longer exist": gone,
        "rules that match nothing": unused_rules,
        "API operations with no row (add one to API)": api_unlisted,
        "API rows for operations that no longer exist": api_gone,
    }
    assert not any(problems.values()), "\n".join(
        f"{title}:\n  " + "\n  ".join(items) for title, items in problems.items() if items
    )


def test_it_checks_the_api_urls_through_the_schema() -> None:
    """Every URL pattern under /api/v1/ is an operation in the schema or a page row.

    An operation left out of the schema (include_in_schema=False) would otherwise
    escape the API table.
    """
    api_routes = {r for r in walk(get_resolver().url_patterns) if r.startswith("api/v1/")}
    page_rows = {row.route for row in PAGES if row.route.startswith("api/v1/")}
    assert api_routes - page_rows <= api_operation_routes()


# --- cases ------------------------------------------------------------------------

# Admin routes are many; one example URL per route is built from its parameters.
ADMIN_EXAMPLES = {
    "app_label": "accounts",
    "object_id": "1",
    "content_type_id": "1",
    "url": "no-such-page/",
}


def example_url(route: str) -> str:
    """A concrete path for a route with parameters, for rule rows."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ADMIN_EXAMPLES.get(m[1], "1"), route)
    if "^" in path:  # admin's regex routes: app list and catch-all
        path = path.replace("^", "").replace("$", "")
        path = re.sub(r"\(\?P<app_label>[^)]*\)", "accounts", path)
        path = re.sub(r"\(\?P<url>\.\*\)", "no-such-page/", path)
    return "/" + path


def page_cases() -> Iterator[Any]:
    for route in sorted(enumerate_pages()):
        row = row_for(route)
        if row is None:
            continue  # test_it_lists_every_route reports it
        for actor in row.actors:
            yield pytest.param(route, row, actor, id=f"{row.method.upper()} /{route} as {actor}")


def api_cases() -> Iterator[Any]:
    for row in API:
        for actor in ACTORS:
            yield pytest.param(row, actor, "session", id=f"{row.key} as {actor} (session)")
            if actor != "anonymous":
                yield pytest.param(row, actor, "bearer", id=f"{row.key} as {actor} (bearer)")


@pytest.fixture(scope="module")
def cast(django_db_setup: None, django_db_blocker: Any) -> Iterator[Cast]:
    """The cast and alice's objects, made once and rolled back after the module.

    Each test runs in its own savepoint inside this transaction (pytest-django's `db`).
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield make_cast()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def make_cast() -> Cast:
    users = {
        "alice": make_user("alice", timezone="Europe/London", country="GB"),
        "bob": make_user("bob", User.Role.CLINICIAN, is_demo=True),
        "carol": make_user("carol", User.Role.MODERATOR, is_demo=True),
        "dave": make_user("dave", User.Role.CLINICIAN, is_demo=True),
        "charlie": make_user("charlie"),
        "erin": make_user("erin", User.Role.CLINICIAN),  # not a demo persona: no 2FA
    }
    alice = users["alice"]
    account_services.agree_to_privacy(user=alice)
    grant = account_services.grant_consent(
        member=alice,
        clinician=users["bob"],
        categories=["mood", "assessments", "safety_plan", "messages"],
    )
    token, _raw = account_services.issue_token(user=alice, name="alice's script")
    entry, _created = record_checkin(
        member=alice, client_id=uuid.uuid4(), recorded_at=datetime.now(UTC), mood=4
    )
    export = ExportJob.objects.create(user=alice)
    thread = Thread.objects.create(member=alice, clinician=users["bob"])
    alert = SafetyAlert.objects.create(
        member=alice, clinician=users["bob"], source="mood", trigger="automatic"
    )
    # care: bob's profile (not listed: only his clients find him), one exception, and
    # alice's appointment with bob a week ahead (outside the cancellation notice).
    care_models.ClinicianProfile.objects.create(clinician=users["bob"], timezone="Europe/London")
    care_models.WeeklyWindow.objects.create(
        clinician=users["bob"], weekday=0, start=time(9), end=time(12)
    )
    day_off = care_models.AvailabilityException.objects.create(
        clinician=users["bob"],
        date=datetime.now(UTC).date() + timedelta(days=30),
        kind="unavailable",
    )
    soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    appointment = care_models.Appointment.objects.create(
        member=alice, clinician=users["bob"], start=soon, end=soon + timedelta(minutes=50)
    )
    feed = care_models.CalendarFeed.objects.create(user=alice, token="alices-secret-feed-token")
    # care: a session with bob that starts in 5 minutes, so its video room is open.
    live = datetime.now(UTC) + timedelta(minutes=5)
    live_appointment = care_models.Appointment.objects.create(
        member=alice, clinician=users["bob"], start=live, end=live + timedelta(minutes=50)
    )
    # care: a session two days ago, whose note bob wrote and signed.
    past = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
    noted = Appointment.objects.create(
        member=alice, clinician=users["bob"], start=past, end=past + timedelta(minutes=50)
    )
    draft, _created = save_note(
        author=users["bob"],
        appointment=noted,
        subjective="Sleeping better.",
        objective="",
        assessment="",
        plan="Keep the diary.",
    )
    sign_note(author=users["bob"], note=draft)
    tokens = {
        name: account_services.issue_token(user=user, name="matrix")[1]
        for name, user in users.items()
    }
    # One session per actor, made once: each test's changes to it roll back with the test.
    sessions: dict[str, str] = {}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
    objects = {
        "token": str(token.code),
        "grant": str(grant.code),
        "link": str(grant.link.code),
        "mood_entry": str(entry.code),
        "export": str(export.code),
        "safety_alert": str(alert.code),
        "noted_appointment": str(noted.code),
        "appointment": str(appointment.code),
        "live_appointment": str(live_appointment.code),
        "bob_exception": str(day_off.pk),
        "calendar_token": feed.token,
        "thread": str(thread.code),
    }
    return Cast(users=users, objects=objects, tokens=tokens, sessions=sessions)


@pytest.fixture(scope="module")
def shared_client() -> Client:
    """One test client for the module: a new one loads the middleware again, and
    WhiteNoise's then scans every static file (most of a case's time)."""
    return Client()


def client_for(shared_client: Client, cast: Cast, actor: str) -> Client:
    """The module's client with no cookies but the actor's session."""
    shared_client.cookies = SimpleCookie()
    if actor != "anonymous":
        shared_client.cookies[settings.SESSION_COOKIE_NAME] = cast.sessions[actor]
    return shared_client


@pytest.mark.parametrize(("route", "row", "actor"), list(page_cases()))
def test_page(
    shared_client: Client, cast: Cast, db: None, route: str, row: Row, actor: str
) -> None:
    cache.clear()
    url = row.url(cast, actor) if row.url else example_url(route)
    client = client_for(shared_client, cast, actor)
    response = getattr(client, row.method)(url, row.data or {})
    got = outcome(response)
    expected = row.expected[actor]
    assert got == expected, f"{row.method.upper()} {url} as {actor}: {got} ({response.status_code})"


@pytest.mark.parametrize(("row", "actor", "auth"), list(api_cases()))
def test_api(
    shared_client: Client, cast: Cast, db: None, row: ApiRow, actor: str, auth: str
) -> None:
    cache.clear()
    url = row.url(cast, actor) if row.url else row.path
    kwargs: dict[str, Any] = {}
    if auth == "bearer":
        client = client_for(shared_client, cast, "anonymous")
        kwargs["headers"] = {"authorization": f"Bearer {cast.tokens[actor]}"}
    else:
        client = client_for(shared_client, cast, actor)
    if row.data is not None:
        kwargs |= {"data": row.data, "content_type": "application/json"}
    response = getattr(client, row.method)(url, **kwargs)
    got = outcome(response)
    expected = (row.bearer if auth == "bearer" else {}).get(actor, row.expected[actor])
    assert got == expected, f"{row.key} as {actor} ({auth}): {got} {response.content[:200]!r}"
