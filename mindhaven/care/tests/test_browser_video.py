"""Video sessions in real headless Chromium: two pages (member and clinician) with fake
camera and microphone, against the live ASGI server.

The page's state is read from the DOM (data-* on #call, filled from getStats()), never
from test-only code in the page or the server.
"""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment, VideoRoom
from mindhaven.core.testing import PASSWORD, make_user
from mindhaven.core.testing_server import ServerProcess, child_environment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000  # ms: generous for two cores shared with other work


REMOTE_ASPECT = (
    "(document.getElementById('remote-video').videoWidth"
    " / document.getElementById('remote-video').videoHeight)"
)
# The mean brightness (0-255) of the remote video's current frame.
REMOTE_BRIGHTNESS = """() => {
    const video = document.getElementById('remote-video');
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 48;
    const context = canvas.getContext('2d');
    context.drawImage(video, 0, 0, 64, 48);
    const pixels = context.getImageData(0, 0, 64, 48).data;
    let sum = 0;
    for (let i = 0; i < pixels.length; i += 4) sum += pixels[i] + pixels[i + 1] + pixels[i + 2];
    return sum / (pixels.length / 4) / 3;
}"""


def cast() -> Appointment:
    alice = make_user("alice")
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
    make_user("charlie")
    start = timezone.now() + timedelta(minutes=5)
    return Appointment.objects.create(
        member=alice, clinician=bob, start=start, end=start + timedelta(minutes=50)
    )


def open_page(browser: Any, context_args: dict[str, Any]) -> Page:
    page: Page = browser.new_context(**context_args).new_page()
    return page


def dataset(page: Page, name: str) -> str:
    return str(page.locator("#call").get_attribute(f"data-{name}") or "")


def number(page: Page, name: str) -> int:
    return int(dataset(page, name) or 0)


def wait_for_number(page: Page, name: str, above: int) -> int:
    page.wait_for_function(
        f"() => Number(document.getElementById('call').dataset.{camel(name)} || 0) > {above}",
        timeout=WAIT,
    )
    return number(page, name)


def camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(part.title() for part in rest)


def wait_samples(page: Page, count: int) -> None:
    """Wait until the page has read getStats() `count` more times (every half second)."""
    wait_for_number(page, "samples", number(page, "samples") + count - 1)


def admitted_call(
    browser, browser_context_args, login, member_url, clinician_url, member_args=None
):
    member = open_page(browser, member_args or browser_context_args)
    clinician = open_page(browser, browser_context_args)
    console: list[str] = []
    member.on("console", lambda m: console.append(f"member: {m.text}"))
    clinician.on("console", lambda m: console.append(f"clinician: {m.text}"))
    login(member, member_url["base"], "alice", PASSWORD)
    login(clinician, clinician_url["base"], "bob", PASSWORD)
    member.goto(member_url["room"])
    expect(member.locator("#call")).to_have_attribute("data-state", "waiting", timeout=WAIT)
    expect(member.locator("#call-status")).to_contain_text("Waiting for Bob")
    clinician.goto(clinician_url["room"])
    expect(clinician.locator("#call-status")).to_have_text("Alice is in the waiting room.")
    assert clinician.get_by_text("Alice is in the waiting room").count() == 1
    admit = clinician.locator("#admit")
    expect(admit).to_be_enabled(timeout=WAIT)
    admit.focus()  # by keyboard, as anyone may
    clinician.keyboard.press("Enter")
    try:
        for page in (member, clinician):
            expect(page.locator("#call")).to_have_attribute("data-state", "connected", timeout=WAIT)
            wait_for_number(page, "frames-decoded", 0)
    except AssertionError:  # say where each side stood, for a call that did not connect
        for name, page in (("member", member), ("clinician", clinician)):
            print(
                name, page.evaluate("() => JSON.stringify(document.getElementById('call').dataset)")
            )
        print("\n".join(console))
        raise
    return member, clinician


def urls(base: str, appointment: Appointment) -> dict[str, str]:
    return {"base": base, "room": f"{base}/care/rooms/{appointment.code}/"}


def test_it_connects_the_member_and_clinician_after_admission(
    browser, browser_context_args, live_server_url, login, axe_check
):
    appointment = cast()
    where = urls(live_server_url, appointment)
    member, clinician = admitted_call(browser, browser_context_args, login, where, where)

    # Both receive decoded video, encrypted, directly (no TURN on one machine).
    for page in (member, clinician):
        assert dataset(page, "route") == "direct"
        assert dataset(page, "encrypted")
        expect(page.locator("#encryption")).to_contain_text("DTLS-SRTP")
        # Filled in by the page, numbers written as its language writes them.
        expect(page.locator("#quality")).to_have_text(
            re.compile(r"\(\d+ ms round trip, \d+\.\d% lost\)"), timeout=WAIT
        )
        axe_check(page)
    room = VideoRoom.objects.get(appointment=appointment)
    assert room.admitted_at is not None

    # Mute stops the member's outbound audio, and bob receives none.
    sent_before = number(member, "audio-packets-sent")
    wait_samples(member, 1)
    assert number(member, "audio-packets-sent") > sent_before, "audio was not flowing"
    mute = member.locator("#mute")
    mute.focus()
    member.keyboard.press("Space")
    expect(mute).to_have_attribute("aria-pressed", "true")
    wait_samples(member, 2)
    sent_muted = number(member, "audio-packets-sent")
    received_muted = number(clinician, "audio-packets-received")
    wait_samples(member, 2)
    wait_samples(clinician, 1)
    assert number(member, "audio-packets-sent") == sent_muted
    assert number(clinician, "audio-packets-received") == received_muted
    # Bob is told, on alice's picture, instead of guessing from the silence.
    expect(clinician.locator("#remote-media")).to_have_text("Alice's microphone is off.")
    mute.click()
    expect(clinician.locator("#remote-media")).to_be_hidden(timeout=WAIT)
    wait_samples(member, 2)
    assert number(member, "audio-packets-sent") > sent_muted, "unmuting did not resume audio"

    # In-call chat reaches the other side.
    clinician.fill("#chat-text", "Can you hear me now?")
    clinician.click("#chat-send")
    expect(member.locator("#chat-log")).to_contain_text("Can you hear me now?", timeout=WAIT)
    expect(clinician.locator("#chat-log .chat-mine")).to_contain_text("Can you hear me now?")

    # Bob shares his screen (16:9 here) instead of his camera (4:3), then stops.
    share = clinician.locator("#share")
    expect(share).to_be_visible()
    share.click()
    expect(share).to_have_attribute("aria-pressed", "true")
    member.wait_for_function(f"() => {REMOTE_ASPECT} > 1.6", timeout=WAIT)
    share.click()
    expect(share).to_have_attribute("aria-pressed", "false")
    member.wait_for_function(f"() => {REMOTE_ASPECT} < 1.4", timeout=WAIT)

    # Camera off: alice's video reaches bob as black frames.
    assert clinician.evaluate(REMOTE_BRIGHTNESS) > 20, "the fake camera should not be black"
    member.click("#camera-off")
    clinician.wait_for_function(f"() => ({REMOTE_BRIGHTNESS})() < 5", timeout=WAIT)
    expect(clinician.locator("#remote-media")).to_have_text("Alice's camera is off.")
    member.click("#camera-off")
    expect(clinician.locator("#remote-media")).to_be_hidden(timeout=WAIT)

    # A member's urgent line opens the support panel on her page; bob sees it marked.
    expect(member.locator("#support-panel")).to_be_hidden()
    member.fill("#chat-text", "I want to kill myself tonight")
    member.keyboard.press("Enter")
    expect(member.locator("#support-panel")).to_be_visible(timeout=WAIT)
    expect(member.locator("#support-panel")).to_be_focused()
    expect(clinician.locator("#chat-log .chat-urgent")).to_contain_text("kill myself")

    # Hanging up ends the call on both pages.
    member.click("#hangup")
    for page in (member, clinician):
        expect(page.locator("#call")).to_have_attribute("data-state", "ended", timeout=WAIT)
        expect(page.locator("#ended")).to_be_visible()
        expect(page.locator("#call-status")).to_have_text("The session has ended.")
        assert page.get_by_text("The session has ended").count() == 1
        for gone in ("#local-video", "#remote-video", "#mute", "#hangup", "#chat-form"):
            expect(page.locator(gone)).to_be_hidden()
    room.refresh_from_db()
    assert room.ended_at is not None


def test_it_refuses_charlie(page, live_server_url, login):
    appointment = cast()
    login(page, live_server_url, "charlie", PASSWORD)
    response = page.goto(f"{live_server_url}/care/rooms/{appointment.code}/")
    assert response is not None and response.status == 404
    # The handshake is refused (closed before accept), so the page never sees it open.
    socket = page.evaluate(
        """(path) => new Promise((resolve) => {
            let opened = false;
            const ws = new WebSocket(`ws://${location.host}${path}`);
            ws.onopen = () => { opened = true; };
            ws.onclose = (event) => resolve({opened, code: event.code});
        })""",
        f"/ws/care/rooms/{appointment.code}/",
    )
    assert socket == {"opened": False, "code": 1006}
    assert not VideoRoom.objects.exists()


def test_it_recovers_after_the_signalling_socket_drops(
    browser, browser_context_args, live_server_url, login
):
    appointment = cast()
    where = urls(live_server_url, appointment)
    routes: list[Any] = []
    member = open_page(browser, browser_context_args)

    servers: list[Any] = []

    def through_playwright(ws: Any) -> None:
        servers.append(ws.connect_to_server())  # messages pass through untouched
        routes.append(ws)

    member.route_web_socket(re.compile(r"/ws/care/rooms/"), through_playwright)
    clinician = open_page(browser, browser_context_args)
    warnings: list[str] = []
    clinician.on("console", lambda message: warnings.append(message.text))
    login(member, live_server_url, "alice", PASSWORD)
    login(clinician, live_server_url, "bob", PASSWORD)
    member.goto(where["room"])
    expect(member.locator("#call")).to_have_attribute("data-state", "waiting", timeout=WAIT)
    clinician.goto(where["room"])
    expect(clinician.locator("#admit")).to_be_enabled(timeout=WAIT)
    clinician.click("#admit")
    expect(member.locator("#call")).to_have_attribute("data-state", "connected", timeout=WAIT)
    frames = wait_for_number(member, "frames-decoded", 0)
    assert dataset(member, "socket-opens") == "1"

    # Bad input from the member's side: the server drops what it can tell is malformed;
    # an offer that looks right but is not SDP reaches bob's page, which drops it.
    servers[-1].send("{not json")
    servers[-1].send('{"type": "candidate", "candidate": {"candidate": "rm -rf /"}}')
    servers[-1].send('{"type": "offer", "sdp": "v=0\\r\\nthis is not a session"}')
    frames_bob = number(clinician, "frames-decoded")
    wait_samples(clinician, 2)
    expect(clinician.locator("#call")).to_have_attribute("data-state", "connected")
    assert number(clinician, "frames-decoded") > frames_bob
    assert any("session description was refused" in text for text in warnings), warnings

    routes[-1].close(code=4000, reason="network drop")  # the page's socket goes away

    expect(member.locator("#call")).to_have_attribute("data-socket-opens", "2", timeout=WAIT)
    expect(member.locator("#call")).to_have_attribute("data-state", "connected", timeout=WAIT)
    wait_for_number(member, "frames-decoded", frames + 20)  # video kept coming
    # Signalling works again: chat crosses both ways after the reconnection.
    member.fill("#chat-text", "I am back")
    member.click("#chat-send")
    expect(clinician.locator("#chat-log")).to_contain_text("I am back", timeout=WAIT)

    # The member's page reloads mid-call (a new peer connection): both sides start again.
    bob_frames = number(clinician, "frames-decoded")
    member.reload()
    expect(member.locator("#call")).to_have_attribute("data-state", "connected", timeout=WAIT)
    wait_for_number(member, "frames-decoded", 0)
    expect(clinician.locator("#call")).to_have_attribute("data-state", "connected", timeout=WAIT)
    clinician.wait_for_function(
        f"() => Number(document.getElementById('call').dataset.framesDecoded) < {bob_frames}",
        timeout=WAIT,
    )  # a new connection: the count started again
    wait_for_number(clinician, "frames-decoded", 0)

    # And the clinician's page reloading: it offers again, and the member's page answers.
    alice_frames = wait_for_number(member, "frames-decoded", 10)
    clinician.reload()
    member.wait_for_function(
        f"() => Number(document.getElementById('call').dataset.framesDecoded) < {alice_frames}",
        timeout=WAIT,
    )  # alice's page dropped the old connection for the new one
    for page in (clinician, member):
        expect(page.locator("#call")).to_have_attribute("data-state", "connected", timeout=WAIT)
        wait_for_number(page, "frames-decoded", 0)


def test_it_tests_the_camera_and_microphone(page, live_server_url, login, axe_check):
    make_user("charlie")
    login(page, live_server_url, "charlie", PASSWORD)
    response = page.goto(f"{live_server_url}/care/device-test/")
    assert response is not None
    assert "camera=(self)" in (response.headers.get("permissions-policy") or "")
    root = page.locator("#device-test")
    expect(root).to_have_attribute("data-state", "ready", timeout=WAIT)
    expect(root).to_have_attribute("data-heard", "true", timeout=WAIT)
    assert page.locator("#camera-select option").count() >= 1
    assert page.locator("#mic-select option").count() >= 1
    assert page.evaluate("() => document.getElementById('preview').videoWidth") > 0
    axe_check(page)


@pytest.mark.multiprocess
def test_it_connects_pages_on_two_server_processes(browser, browser_context_args, login):
    """The member's page talks to server process A, the clinician's to B: presence,
    admission and signalling cross through the Redis channel layer."""
    appointment = cast()
    env = child_environment(connection.settings_dict)
    a, b = ServerProcess(env), ServerProcess(env)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:  # both start at once: half the wait
            list(pool.map(lambda server: server.start(), (a, b)))
        member, clinician = admitted_call(
            browser, browser_context_args, login, urls(a.url, appointment), urls(b.url, appointment)
        )
        for page in (member, clinician):
            assert number(page, "frames-decoded") > 0
        member.click("#hangup")
        expect(clinician.locator("#call")).to_have_attribute("data-state", "ended", timeout=WAIT)
    finally:
        a.stop()
        b.stop()


def test_it_fits_a_phone_screen(browser, browser_context_args, live_server_url, login, axe_check):
    """On a phone, in a call: no sideways scrolling, the other person's video, the
    person's own picture (small, in its corner) and the controls all on the screen."""
    appointment = cast()
    where = urls(live_server_url, appointment)
    phone_args = {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    }
    phone, _clinician = admitted_call(
        browser, browser_context_args, login, where, where, member_args=phone_args
    )
    overflow = phone.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    phone.locator("#remote-video").scroll_into_view_if_needed()
    for part in ("#remote-video", "#local-video", "#mute", "#camera-off", "#hangup"):
        expect(phone.locator(part)).to_be_in_viewport(ratio=1)
    remote = phone.locator("#remote-video").bounding_box()
    own = phone.locator("#local-video").bounding_box()
    assert remote and own
    assert remote["x"] <= own["x"] and own["x"] + own["width"] <= remote["x"] + remote["width"]
    assert remote["y"] <= own["y"] and own["y"] + own["height"] <= remote["y"] + remote["height"]
    axe_check(phone)


def test_it_shows_bob_who_waits_on_his_schedule_without_a_reload(
    browser, browser_context_args, live_server_url, login, axe_check
):
    appointment = cast()
    bob = open_page(browser, browser_context_args)
    login(bob, live_server_url, "bob", PASSWORD)
    day = appointment.start.astimezone(ZoneInfo(appointment.clinician.timezone)).date()
    bob.goto(f"{live_server_url}/care/schedule/?view=day&date={day.isoformat()}")
    expect(bob.locator("#notifications-live")).to_have_attribute("data-state", "open")
    bob.evaluate("() => { window.sameDocument = true; }")
    marker = bob.locator(f'[data-badge="room-{appointment.code}"]')
    expect(marker).to_have_text("")

    alice = open_page(browser, browser_context_args)
    login(alice, live_server_url, "alice", PASSWORD)
    alice.goto(f"{live_server_url}/care/rooms/{appointment.code}/")
    expect(alice.locator("#call")).to_have_attribute("data-state", "waiting", timeout=WAIT)
    expect(marker).to_contain_text("Waiting since", timeout=WAIT)
    axe_check(bob)
    # Alice closes the page before bob admits her: the marker goes.
    alice.close()
    expect(marker).to_have_text("", timeout=WAIT)
    assert bob.evaluate("() => window.sameDocument") is True
