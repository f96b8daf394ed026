"""A video call, and a message thread, across a real network drop.

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

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, grant_consent
from mindhaven.care.models import Message, Thread
from mindhaven.care.tests.test_browser_video import (
    admitted_call,
    cast,
    dataset,
    number,
    urls,
    wait_for_number,
)
from mindhaven.core.testing import PASSWORD, make_user
from mindhaven.core.testing_network import Host
from mindhaven.core.testing_server import ServerProcess, child_environment

pytestmark = [pytest.mark.browser, pytest.mark.netns, pytest.mark.django_db(transaction=True)]

# The drop takes effect only after the heartbeat's patience and ICE's own timers, and
# the socket comes back on the reconnect backoff: generous, on two shared cores.
RECOVERY = 60_000
# A thread page finds a dead socket within its ping interval and patience (10 s each)
# plus a reconnect; a page waiting for the browser to close the socket took a minute.
MESSAGE_RECOVERY = 30_000


@pytest.fixture
def second_machine() -> Any:
    with Host() as host:
        yield host


class Split:
    """The server, listening on this side of the link, a browser on the second machine
    (`there`) and one here (`here`); closed and stopped on exit."""

    def __init__(self, playwright: Any, launch_args: dict[str, Any], machine: Host) -> None:
        env = child_environment(connection.settings_dict, MINDHAVEN_ALLOWED_HOSTS=machine.gateway)
        self.server = ServerProcess(env, host=machine.gateway)
        self.playwright = playwright
        self.launch_args = launch_args
        self.machine = machine
        self.browsers: list[Any] = []

    def __enter__(self) -> "Split":
        self.server.start()
        # Camera and microphone need a secure context; plain http on an address other
        # than localhost is one only when the browser is told so. The server's address
        # is let through the suite's no-DNS rule.
        args = [
            f"{arg} , EXCLUDE {self.machine.gateway}" if arg.startswith("--host-resolver") else arg
            for arg in self.launch_args["args"]
        ]
        args.append(f"--unsafely-treat-insecure-origin-as-secure={self.server.url}")
        executable = self.launch_args["executable_path"]
        launch = self.playwright.chromium.launch
        try:
            self.there = launch(executable_path=self.machine.wrap(executable), args=args)
            self.browsers.append(self.there)
            self.here = launch(executable_path=executable, args=args)
            self.browsers.append(self.here)
        except BaseException:
            self.__exit__()  # `with` does not clean up after a failed __enter__
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for browser in self.browsers:
            browser.close()
        self.server.stop()

    def drop(self) -> None:
        """The link goes down: nothing passes either way."""
        self.machine.set_link(up=False)

    def come_back_elsewhere(self) -> None:
        """The link comes back, with the second machine on a new address."""
        self.machine.move_to(f"{self.machine.prefix}.3")
        self.machine.set_link(up=True)


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
    with Split(playwright, browser_type_launch_args, second_machine) as split:
        where = urls(split.server.url, appointment)
        there, here = split.there, split.here
        pair = _Pair(there, here) if moving == "member" else _Pair(here, there)
        member, clinician = admitted_call(pair, browser_context_args, login, where, where)
        mover = member if moving == "member" else clinician
        for page in (member, clinician):
            assert dataset(page, "route") == "direct"
        assert dataset(mover, "socket-opens") == "1"

        # The link goes down: no media, no signalling, both pages say so.
        split.drop()
        for page in (member, clinician):
            expect(page.locator("#call")).to_have_attribute(
                "data-state", "reconnecting", timeout=RECOVERY
            )
        # It comes back, with that machine on another address.
        split.come_back_elsewhere()

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


def test_it_delivers_messages_both_ways_after_the_members_network_moved(
    playwright: Any,
    browser_type_launch_args: dict[str, Any],
    browser_context_args,
    login,
    second_machine: Host,
) -> None:
    """The thread page, too, gives up a socket that died silently: what alice writes just
    after the move reaches bob, and what bob writes reaches her."""
    alice = make_user("alice")
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
    agree_to_privacy(user=alice)
    grant_consent(member=alice, clinician=bob, categories=["messages"])
    thread = Thread.objects.create(member=alice, clinician=bob)
    with Split(playwright, browser_type_launch_args, second_machine) as split:
        pages = {}
        for name, browser in (("alice", split.there), ("bob", split.here)):
            page = browser.new_context(**browser_context_args).new_page()
            login(page, split.server.url, name, PASSWORD)
            page.goto(f"{split.server.url}/care/messages/{thread.code}/")
            expect(page.locator("#chat-list")).to_have_attribute("data-state", "open")
            pages[name] = page
        on_phone, at_desk = pages["alice"], pages["bob"]

        split.drop()
        split.come_back_elsewhere()
        # Written at once, into a socket that looks open but goes nowhere.
        on_phone.fill("#id_body", "Back on mobile data")
        on_phone.get_by_role("button", name="Send").click()
        expect(at_desk.locator("#chat-list")).to_contain_text(
            "Back on mobile data", timeout=MESSAGE_RECOVERY
        )
        receipt = on_phone.locator("#chat-list li.chat-mine [data-receipt]")
        expect(receipt).to_have_text("Read", timeout=MESSAGE_RECOVERY)
        at_desk.fill("#id_body", "Got it.")
        at_desk.get_by_role("button", name="Send").click()
        expect(on_phone.locator("#chat-list")).to_contain_text("Got it.", timeout=MESSAGE_RECOVERY)
        assert [m.body for m in Message.objects.order_by("created_at")] == [
            "Back on mobile data",
            "Got it.",
        ]


class _Pair:
    """Hands `admitted_call` the member's browser first and the clinician's second."""

    def __init__(self, member_browser: Any, clinician_browser: Any) -> None:
        self._browsers = [member_browser, clinician_browser]

    def new_context(self, **args: Any) -> Any:
        return self._browsers.pop(0).new_context(**args)
