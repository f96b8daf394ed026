"""Test infrastructure shared by every app: live ASGI server, headless Chromium, axe, login.

- `live_server_url`: the real ASGI app (uvicorn, HTTP + websockets) in a child process
  on 127.0.0.1, against the test database. Needs and implies `transactional_db`.
- pytest-playwright's `page`/`context`/`browser` use Debian's Chromium (never a download).
  Tests that use them are marked `browser` automatically. Without Chromium they are
  skipped, or failed when MINDHAVEN_REQUIRE_BROWSER=1.
- `multiprocess` tests need PostgreSQL and REDIS_URL; skipped otherwise, or failed when
  MINDHAVEN_REQUIRE_MULTIPROCESS=1.
- `netns` tests put a browser on a second machine (a network namespace, see
  core/testing_network.py); they need root and iproute2, and are skipped otherwise, or
  failed when MINDHAVEN_REQUIRE_NETNS=1.
- `turn` tests run a real coturn (`turnserver`, Debian package coturn); skipped without
  it, or failed when MINDHAVEN_REQUIRE_TURN=1.
- `axe_check(page)` fails on serious or critical accessibility violations.
- `login(page, live_server_url, username, password)` signs in through allauth's form.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an asyncio loop in the test thread; without this the ORM
# (and the TransactionTestCase flush) refuse to run in that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Belt and braces: Playwright must never fetch a browser of its own.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

REPO_DIR = Path(__file__).resolve().parent
AXE_PATH = REPO_DIR / "node_modules" / "axe-core" / "axe.min.js"
PLAYWRIGHT_FIXTURES = {"page", "context", "browser", "new_context"}
CHROMIUM_ARGS = [
    "--disable-quic",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    # No DNS off loopback: tests only ever use 127.0.0.1 or localhost.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
NO_CHROMIUM = "no Chromium: install the Debian package chromium or set CHROMIUM_PATH"


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which(candidate) if not os.path.isabs(candidate) else None


def multiprocess_unavailable_reason() -> str | None:
    from django.conf import settings

    missing = []
    if not settings.USING_POSTGRES:
        missing.append("PostgreSQL (set DATABASE_URL=postgres://...)")
    if not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL=redis://...)")
    if not missing:
        return None
    return "two-process test needs " + " and ".join(missing)


def network_unavailable_reason() -> str | None:
    from mindhaven.core.testing_network import unavailable_reason

    return unavailable_reason()


def turn_unavailable_reason() -> str | None:
    from mindhaven.core.testing_turn import unavailable_reason

    return unavailable_reason()


# Markers whose tests need something this machine may lack: (the variable that makes a
# missing one a failure, the function that says what is missing).
NEEDS: dict[str, tuple[str, Callable[[], str | None]]] = {
    "multiprocess": ("MINDHAVEN_REQUIRE_MULTIPROCESS", multiprocess_unavailable_reason),
    "netns": ("MINDHAVEN_REQUIRE_NETNS", network_unavailable_reason),
    "turn": ("MINDHAVEN_REQUIRE_TURN", turn_unavailable_reason),
}


def _required(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Decide skip or fail for browser tests and the NEEDS markers in one place.

    Skips are added here; when MINDHAVEN_REQUIRE_* asks for a failure instead, the
    autouse `_required_environment` fixture fails the test before it starts.
    """
    no_chromium = chromium_path() is None
    require_browser = _required("MINDHAVEN_REQUIRE_BROWSER")
    skips: dict[str, str] = {}
    for marker, (variable, unavailable) in NEEDS.items():
        if _required(variable) or not any(item.get_closest_marker(marker) for item in items):
            continue
        reason = unavailable()
        if reason:
            skips[marker] = reason
    for item in items:
        uses_playwright = PLAYWRIGHT_FIXTURES & set(getattr(item, "fixturenames", ()))
        if uses_playwright and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("browser") and no_chromium and not require_browser:
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))
        for marker, reason in skips.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))
    # Browser tests last: once pytest-playwright's session browser starts, its event loop
    # sits in the main thread, and async tests (async_to_sync, asyncio.run) cannot run.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _required_environment(request: pytest.FixtureRequest) -> None:
    """Fail, not skip, a test whose environment is missing when the run demands it."""
    node = request.node
    if node.get_closest_marker("browser") and chromium_path() is None:
        pytest.fail(f"{NO_CHROMIUM} (MINDHAVEN_REQUIRE_BROWSER=1)", pytrace=False)
    for marker, (variable, unavailable) in NEEDS.items():
        if node.get_closest_marker(marker):
            reason = unavailable()
            if reason:
                pytest.fail(f"{reason} ({variable}=1)", pytrace=False)


# --- test database ----------------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, request: pytest.FixtureRequest
) -> None:
    """One test database per pytest process, so that runs in parallel never share one.

    Several people (and CI jobs) run the suite in one checkout at once; a shared
    var/test.sqlite3 gets deleted under another run ("disk I/O error"). With
    --reuse-db the stable name is kept, since reuse is the point.
    """
    from django.conf import settings

    if request.config.getvalue("reuse_db"):
        return
    tag = os.environ.get("PYTEST_XDIST_WORKER") or str(os.getpid())
    for db in settings.DATABASES.values():
        test = db.setdefault("TEST", {})
        if db["ENGINE"] == "django.db.backends.sqlite3":
            default = Path(settings.DATA_DIR) / "test.sqlite3"
            path = Path(test.get("NAME") or default)
            test["NAME"] = str(path.with_name(f"{path.stem}-{tag}{path.suffix}"))
        else:
            test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{tag}"


# --- live ASGI server -------------------------------------------------------------


@pytest.fixture(scope="session")
def _live_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """One uvicorn child for the session; each test's data comes from `transactional_db`."""
    from django.db import connection

    from mindhaven.core.testing_server import start_test_server

    with django_db_blocker.unblock():
        settings_dict = dict(connection.settings_dict)
    server = start_test_server(settings_dict)
    try:
        yield server
    finally:
        server.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test that used the live server reports what the server printed: the
    only record of a request that hung or failed on the other side."""
    report = yield
    if report.failed and "_live_server" in getattr(item, "fixturenames", ()):
        server = item.funcargs.get("_live_server") if hasattr(item, "funcargs") else None
        if server is not None:
            report.sections.append(("live server output (last 5000 characters)", server.output()))
    return report


@pytest.fixture
def live_server_url(transactional_db: None, _live_server: Any) -> str:
    """http://127.0.0.1:<port> of the real ASGI app (HTTP and websockets) on the test DB."""
    if _live_server.process is None or _live_server.process.poll() is not None:
        pytest.fail(f"the live server died:\n{_live_server.output()}")
    return str(_live_server.url)


# --- Playwright and Chromium -------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = chromium_path()
    if executable is None:
        pytest.fail(NO_CHROMIUM, pytrace=False)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        # axe is injected as a script tag, which the site's strict CSP would block.
        "bypass_csp": True,
        "locale": "en-GB",
        "timezone_id": "Europe/London",
        "permissions": ["camera", "microphone"],
    }


AXE_RUN = """() => axe.run(document, {runOnly: {type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is missing at {AXE_PATH}: run `npm ci`", pytrace=False)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_PATH))
    result = page.evaluate(AXE_RUN)
    return [v for v in result["violations"] if v.get("impact") in {"serious", "critical"}]


@pytest.fixture
def axe_check() -> Callable[[Any], None]:
    """`axe_check(page)` fails listing every serious or critical violation."""

    def check(page: Any) -> None:
        violations = run_axe(page)
        if violations:
            lines = [
                f"- {v['id']} ({v['impact']}): {v['help']} at "
                + ", ".join(str(node["target"]) for node in v["nodes"][:5])
                for v in violations
            ]
            pytest.fail(f"accessibility violations on {page.url}:\n" + "\n".join(lines))

    return check


def sign_in(page: Any, live_server_url: str, username: str, password: str) -> None:
    """Sign in through allauth's /accounts/login/ form, as a person would."""
    page.goto(f"{live_server_url}/accounts/login/")
    page.fill('input[name="login"]', username)
    page.fill('input[name="password"]', password)
    page.press('input[name="password"]', "Enter")
    try:
        page.wait_for_url(lambda url: "/accounts/login/" not in url, timeout=10_000)
    except Exception:
        text = page.locator("main").inner_text() if page.locator("main").count() else ""
        pytest.fail(f"login as {username} failed; page said:\n{text[:1000]}")


@pytest.fixture
def login() -> Callable[[Any, str, str, str], None]:
    """`login(page, live_server_url, username, password)`."""
    return sign_in
