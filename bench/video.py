"""Join-to-first-frame of a video session, against a minimal reference call, in one run.

Run from the repository root:

    .venv/bin/python bench/video.py            # N=5 calls of each

Needs Debian's Chromium (/usr/bin/chromium or CHROMIUM_PATH). It builds a throwaway
deployment (SQLite, in-memory channel layer, DEBUG off, collected static files) with
alice, bob and one appointment per run starting in 5 minutes, serves it with uvicorn
on 127.0.0.1, and in one headless Chromium with fake camera and microphone:

1. Mindhaven: alice's page waits in the room, bob's page shows her waiting; the clock
   starts when bob presses "Admit" (read on his page) and stops at the first decoded
   video frame on alice's page (getStats() every 50 ms, `data-first-frame-at`). Both
   pages have their camera and microphone open before the clock starts.
2. Reference: bench/video_reference/, a bare RTCPeerConnection page and a few-line
   websockets relay; the clock starts when the caller presses "Call" and stops at the
   first decoded frame on the callee's page, timed the same way.

Prints each run, the medians and the ratio Mindhaven / reference (goal <= 1.3x).
Exits 1 when the ratio is over the goal.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_DIR))

from bench.deployment import chromium_path, deployment_env, manage  # noqa: E402
from bench.video_reference import relay  # noqa: E402
from mindhaven.core.testing_server import ServerProcess  # noqa: E402

RUNS = 5
GOAL = 1.3
PASSWORD = "bench-video-password-2026"  # noqa: S105 (throwaway deployment)
TIMEOUT = 30_000
CHROMIUM_ARGS = [
    "--disable-quic",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
MAKE_CAST = """
import json
from datetime import timedelta
from django.utils import timezone
from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment
alice = User.objects.create_user(username="alice", email="alice@example.org",
    password={password!r}, display_name="Alice")
bob = User.objects.create_user(username="bob", email="bob@example.org",
    password={password!r}, display_name="Bob", role=User.Role.CLINICIAN, is_demo=True)
codes = []
for run in range({runs}):
    start = timezone.now() + timedelta(minutes=5, seconds=run)
    appointment = Appointment.objects.create(member=alice, clinician=bob, start=start,
        end=start + timedelta(minutes=50))
    codes.append(str(appointment.code))
print(json.dumps(codes))
"""


def signed_in(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(permissions=["camera", "microphone"])
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill('input[name="login"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.press('input[name="password"]', "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url, timeout=TIMEOUT)
    state = context.storage_state()
    context.close()
    return state


def first_frame_at(page: Any) -> int:
    page.wait_for_function(
        "() => document.getElementById('call').dataset.firstFrameAt", timeout=TIMEOUT
    )
    return int(page.locator("#call").get_attribute("data-first-frame-at"))


def mindhaven_call(browser: Any, base: str, code: str, states: dict[str, Any]) -> float:
    member_context = browser.new_context(
        storage_state=states["alice"], permissions=["camera", "microphone"]
    )
    clinician_context = browser.new_context(
        storage_state=states["bob"], permissions=["camera", "microphone"]
    )
    try:
        member, clinician = member_context.new_page(), clinician_context.new_page()
        member.goto(f"{base}/care/rooms/{code}/")
        member.wait_for_selector('#call[data-state="waiting"]', timeout=TIMEOUT)
        clinician.goto(f"{base}/care/rooms/{code}/")
        clinician.wait_for_selector("#admit:not([disabled])", timeout=TIMEOUT)
        started = clinician.evaluate(
            "() => { const t = Date.now(); document.getElementById('admit').click(); return t; }"
        )
        return float(first_frame_at(member) - started)
    finally:
        member_context.close()
        clinician_context.close()


def reference_call(browser: Any, base: str, run: int) -> float:
    callee_context = browser.new_context(permissions=["camera", "microphone"])
    caller_context = browser.new_context(permissions=["camera", "microphone"])
    try:
        callee, caller = callee_context.new_page(), caller_context.new_page()
        for page in (callee, caller):
            page.goto(f"{base}/?room=run{run}")
            page.wait_for_selector('#call[data-state="ready"]', timeout=TIMEOUT)
        started = caller.evaluate(
            "() => { const t = Date.now(); document.getElementById('start').click(); return t; }"
        )
        return float(first_frame_at(callee) - started)
    finally:
        callee_context.close()
        caller_context.close()


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="mindhaven-bench-video-") as tmp:
        env = deployment_env(Path(tmp))
        print(f"Building a throwaway deployment in {tmp} ...", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        output = manage(env, "shell", "-c", MAKE_CAST.format(password=PASSWORD, runs=RUNS + 1))
        codes = json.loads(output.strip().splitlines()[-1])
        ref_port, stop_relay = relay.start()
        ref_base = f"http://127.0.0.1:{ref_port}"
        try:
            with ServerProcess(env) as site, sync_playwright() as playwright:
                print(f"Site at {site.url}; reference at {ref_base}\n", flush=True)
                browser = playwright.chromium.launch(
                    executable_path=chromium_path(), args=CHROMIUM_ARGS
                )
                states = {name: signed_in(browser, site.url, name) for name in ("alice", "bob")}
                # One warm-up of each (first use of the codec, the page's modules, ...).
                mindhaven_call(browser, site.url, codes[0], states)
                reference_call(browser, ref_base, 0)
                ours: list[float] = []
                theirs: list[float] = []
                # Interleaved, so that a slow moment of the machine hits both alike.
                for run in range(RUNS):
                    ours.append(mindhaven_call(browser, site.url, codes[run + 1], states))
                    theirs.append(reference_call(browser, ref_base, run + 1))
                    print(
                        f"  run {run + 1}: mindhaven {ours[-1]:6.0f} ms   "
                        f"reference {theirs[-1]:6.0f} ms",
                        flush=True,
                    )
                browser.close()
        finally:
            stop_relay()

    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    ratio = ours_median / theirs_median
    print(f"\nJoin to first decoded frame, median of {RUNS} (one Chromium, two contexts):")
    print(f"  Mindhaven (admit -> member's first frame)   {ours_median:7.0f} ms")
    print(f"  reference (call -> callee's first frame)    {theirs_median:7.0f} ms")
    print(f"  ratio Mindhaven / reference                 {ratio:7.2f}x  (goal <= {GOAL}x)")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
