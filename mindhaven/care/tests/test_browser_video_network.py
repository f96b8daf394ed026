"""A video call across a real network drop.

One side's Chromium runs on a second machine (a network namespace joined to this one
by a veth link, core/testing_network.py); the other side's runs here, and so does the
server, listening on this side of the link. Media flows directly over the link. Then
the link goes down, and comes back with the second machine on a new address (a phone
moving from Wi-Fi to mobile data): every connection made before, the signalling socket
and the media path, goes nowhere. The call must find its way back by itself.
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
from mindhaven.core.testing_network import Host
from mindhaven.core.testing_server import ServerProcess, child_environment

pytestmark = [pytest.mark.browser, pytest.mark.netns, pytest.mark.django_db(transaction=True)]

# The drop takes effect only after the heartbeat's patience and ICE's own timers, and
# the socket comes back on the reconnect backoff: generous, on two shared cores.
RECOVERY = 60_000


@pytest.fixture
def second_machine() -> Any:
    with Host() as host:
        yield host


@pytest.mark.parametrize("moving", ["member", "clinician"])
def test_it_survives_a_network_drop_that_moves_one_side_to_a_new_address(
    playwright: Any,
    browser_type_launch_args: dict[str, Any],
    browser_context_args,
    login,
    second_machine: Host,
    moving: str,
) -> None:
    """Either side may be the one whose network changes: the member's page is the one
    that answers, the clinician's the one that restarts ICE, so both ways are tested."""
    appointment = cast()
    env = child_environment(
        connection.settings_dict, MINDHAVEN_ALLOWED_HOSTS=second_machine.gateway
    )
    server = ServerProcess(env, host=second_machine.gateway).start()
    # Camera and microphone need a secure context; plain http on an address other than
    # localhost is one only when the browser is told so.
    # The server's address is let through the suite's no-DNS rule.
    args = [
        f"{arg} , EXCLUDE {second_machine.gateway}" if arg.startswith("--host-resolver") else arg
        for arg in browser_type_launch_args["args"]
    ]
    args.append(f"--unsafely-treat-insecure-origin-as-secure={server.url}")
    executable = browser_type_launch_args["executable_path"]
    browsers = []
    try:
        in_namespace = second_machine.wrap(executable)
        there = playwright.chromium.launch(executable_path=in_namespace, args=args)
        browsers.append(there)
        here = playwright.chromium.launch(executable_path=executable, args=args)
        browsers.append(here)
        where = urls(server.url, appointment)
        pair = _Pair(there, here) if moving == "member" else _Pair(here, there)
        member, clinician = admitted_call(pair, browser_context_args, login, where, where)
        mover = member if moving == "member" else clinician
        for page in (member, clinician):
            assert dataset(page, "route") == "direct"
        assert dataset(mover, "socket-opens") == "1"

        # The link goes down: no media, no signalling, both pages say so.
        second_machine.set_link(up=False)
        for page in (member, clinician):
            expect(page.locator("#call")).to_have_attribute(
                "data-state", "reconnecting", timeout=RECOVERY
            )
        # It comes back, with that machine on another address.
        second_machine.move_to(f"{second_machine.prefix}.3")
        second_machine.set_link(up=True)

        # The page that moved gives up the socket that went nowhere and opens a new one;
        # the call reconnects, and video flows both ways again.
        expect(mover.locator("#call")).to_have_attribute("data-socket-opens", "2", timeout=RECOVERY)
        for page in (member, clinician):
            expect(page.locator("#call")).to_have_attribute(
                "data-state", "connected", timeout=RECOVERY
            )
        frames = {page: number(page, "frames-decoded") for page in (member, clinician)}
        for page in (member, clinician):
            wait_for_number(page, "frames-decoded", frames[page] + 20)
            assert dataset(page, "route") == "direct"
        # Signalling works again too: chat crosses after the move.
        mover.fill("#chat-text", "I moved to mobile data")
        mover.click("#chat-send")
        other = clinician if mover is member else member
        expect(other.locator("#chat-log")).to_contain_text(
            "I moved to mobile data", timeout=RECOVERY
        )
        print("ICE restarts by the clinician's page:", dataset(clinician, "ice-restarts") or 0)
    finally:
        for browser in browsers:
            browser.close()
        server.stop()


class _Pair:
    """Hands `admitted_call` the member's browser first and the clinician's second."""

    def __init__(self, member_browser: Any, clinician_browser: Any) -> None:
        self._browsers = [member_browser, clinician_browser]

    def new_context(self, **args: Any) -> Any:
        return self._browsers.pop(0).new_context(**args)
