"""No double booking under concurrent requests, on PostgreSQL, across server processes.

Two uvicorn children share the test database, as N workers behind a proxy would.
Members press "book" on the same slot at the same moment (a barrier releases every
thread at once, half of them against each process): exactly one gets 201, every other
gets 409, and one appointment exists. SQLite serialises writers, so the race this
guards against does not exist there: the test needs PostgreSQL (the CI PG tier).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from datetime import time
from typing import Any

import pytest
from django.db import connection

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, issue_token
from mindhaven.care.models import Appointment, ClinicianProfile, WeeklyWindow
from mindhaven.care.tests.booking_helpers import iso
from mindhaven.care.tests.dst import at, spring_mondays
from mindhaven.core.testing import make_user
from mindhaven.core.testing_server import ServerProcess, child_environment

pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]

MEMBERS = 8
WAIT = 30.0


def post(url: str, token: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def race(calls: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Send every call at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = [0] * len(calls)

    def run(index: int, url: str, token: str, body: dict[str, Any]) -> None:
        barrier.wait(timeout=WAIT)
        statuses[index] = post(url, token, body)

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT * 2)
    return statuses


def set_up_bob() -> User:
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
    ClinicianProfile.objects.create(
        clinician=bob,
        timezone="Europe/London",
        listed=True,
        accepting_new_clients=True,
        horizon_days=730,
    )
    WeeklyWindow.objects.create(clinician=bob, weekday=0, start=time(9), end=time(12))
    return bob


def test_it_books_a_slot_once_under_concurrent_requests() -> None:
    bob = set_up_bob()
    members = [make_user(f"member{i}") for i in range(MEMBERS)]
    for member in members:
        agree_to_privacy(user=member)
    tokens = [issue_token(user=member, name="race")[1] for member in members]
    _before, between, _after = spring_mondays()
    body = {"clinician": str(bob.code), "start": iso(at(between, 10))}
    env = child_environment(connection.settings_dict)
    with ServerProcess(env) as a, ServerProcess(env) as b:
        servers = [a.url, b.url]
        statuses = race(
            [
                (f"{servers[i % 2]}/api/v1/care/appointments", token, body)
                for i, token in enumerate(tokens)
            ]
        )
    assert sorted(statuses) == [201] + [409] * (MEMBERS - 1), statuses
    assert Appointment.objects.filter(clinician=bob, status="booked").count() == 1


def test_it_books_once_when_one_member_retries_in_parallel() -> None:
    bob = set_up_bob()
    alice = make_user("alice")
    agree_to_privacy(user=alice)
    token = issue_token(user=alice, name="race")[1]
    _before, between, _after = spring_mondays()
    body = {
        "clinician": str(bob.code),
        "start": iso(at(between, 11)),
        "client_id": str(uuid.uuid4()),
    }
    env = child_environment(connection.settings_dict)
    with ServerProcess(env) as a, ServerProcess(env) as b:
        calls = [(f"{url}/api/v1/care/appointments", token, body) for url in (a.url, b.url) * 3]
        statuses = race(calls)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {200, 201}, statuses
    assert Appointment.objects.count() == 1
