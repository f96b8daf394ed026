"""A video call through a real TURN server (coturn), with relay-only calls.

The server hands each page TURN credentials of coturn's shared-secret scheme
(mindhaven.care.ice); with MINDHAVEN_ICE_RELAY_ONLY the pages may use nothing but the
relay, so the call connects only if coturn accepts those credentials.
"""

from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from mindhaven.care.tests.test_browser_video import (
    admitted_call,
    cast,
    dataset,
    number,
    urls,
    wait_for_number,
)
from mindhaven.core.testing_server import ServerProcess, child_environment
from mindhaven.core.testing_turn import TurnServer

pytestmark = [pytest.mark.browser, pytest.mark.turn, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def turn() -> Any:
    with TurnServer() as server:
        yield server


def test_it_relays_a_call_through_coturn_with_its_own_credentials(
    browser, browser_context_args, login, turn: TurnServer
) -> None:
    appointment = cast()
    env = child_environment(
        connection.settings_dict,
        MINDHAVEN_TURN_URLS=turn.url,
        MINDHAVEN_TURN_SECRET=turn.secret,
        MINDHAVEN_ICE_RELAY_ONLY="1",
    )
    server = ServerProcess(env).start()
    try:
        where = urls(server.url, appointment)
        try:
            member, clinician = admitted_call(browser, browser_context_args, login, where, where)
        except AssertionError:
            print(turn.output()[-4000:])
            raise
        for page in (member, clinician):
            assert dataset(page, "route") == "relay"
            expect(page.locator("#route")).to_contain_text("relay", ignore_case=True)
            frames = number(page, "frames-decoded")
            wait_for_number(page, "frames-decoded", frames + 20)
        # coturn gave both people a relay, each by the user code in their credentials.
        log = turn.output()
        for person in (appointment.member, appointment.clinician):
            allocated = f":{person.code}>: incoming packet ALLOCATE processed, success"
            assert allocated in log, f"coturn gave {person.username} no relay"
    finally:
        server.stop()


def test_it_connects_no_call_when_coturn_has_another_secret(
    browser, browser_context_args, login, turn: TurnServer
) -> None:
    """The other side of the proof: credentials made with a secret coturn does not
    share are refused, and a relay-only call then never connects."""
    appointment = cast()
    env = child_environment(
        connection.settings_dict,
        MINDHAVEN_TURN_URLS=turn.url,
        MINDHAVEN_TURN_SECRET="not-" + turn.secret,
        MINDHAVEN_ICE_RELAY_ONLY="1",
    )
    server = ServerProcess(env).start()
    try:
        where = urls(server.url, appointment)
        with pytest.raises(AssertionError):
            admitted_call(browser, browser_context_args, login, where, where)
        log = turn.output()
        assert "Cannot find credentials of user <" in log
        assert f":{appointment.member.code}>" in log
        assert "ALLOCATE processed, success" not in log
    finally:
        server.stop()
