"""Page weight and server throughput, against a freshly started production-like server.

Run from the repository root:

    .venv/bin/python bench/pages.py            # or: make bench

Needs Debian's Chromium (/usr/bin/chromium or CHROMIUM_PATH) and nothing else: it
builds a throwaway deployment in a temporary directory (SQLite, in-memory channel
layer, MINDHAVEN_ENV=development with DEBUG off, collectstatic with whitenoise's
compressed manifest storage, demo personas), serves it with uvicorn on 127.0.0.1, and:

1. loads each page a newcomer reaches (home, sign in, sign up, help, and the account
   page signed in as alice) in headless Chromium with a cold cache, and reports the
   bytes transferred over the network (compressed bodies plus headers, including what
   the service worker fetches) and the number of requests, against a budget of
   150 KB per page and the Web Almanac 2024 median mobile page (2,311 KB);
2. measures requests per second for the home page, and for a bare Django view
   (bench/bare_app.py, no middleware) returning the same bytes from the same uvicorn,
   with a small bounded concurrent load over loopback, and prints the ratio.

Exits 1 if any page is over budget. KB here is 1,024 bytes, as in the Web Almanac.
"""

from __future__ import annotations

import http.client
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_DIR))

from bench.deployment import chromium_path, deployment_env, manage  # noqa: E402
from mindhaven.core.testing_server import HOST, ServerProcess  # noqa: E402

KB = 1024
BUDGET_KB = 150
ALMANAC_MEDIAN_MOBILE_KB = 2311  # Web Almanac 2024, Page Weight: median mobile page
DEMO_PASSWORD = "bench-demo-password-2026"  # noqa: S105 (throwaway deployment)
PAGES = [
    ("home", "/", False),
    ("sign in", "/accounts/login/", False),
    ("sign up", "/accounts/signup/", False),
    ("help", "/help/", False),
    ("account", "/accounts/profile/", True),
]
LOAD_THREADS = 8
LOAD_SECONDS = 3.0
LOAD_MAX_REQUESTS = 6000
WARMUP_REQUESTS = 100
CHROMIUM_ARGS = [
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]


@dataclass
class PageResult:
    name: str
    path: str
    status: int
    requests: int
    transferred: int

    @property
    def kb(self) -> float:
        return self.transferred / KB


def measure_page(browser: Any, base_url: str, name: str, path: str, state: Any) -> PageResult:
    """Load one page in a fresh context (cold cache) and sum what came over the network."""
    context = browser.new_context(storage_state=state)
    finished: list[Any] = []
    # Context-level events include the service worker's own fetches (its precache).
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.new_page()
    response = page.goto(base_url + path, wait_until="load")
    page.evaluate(
        """async () => {
            if (!("serviceWorker" in navigator)) return;
            const registration = await navigator.serviceWorker.getRegistration();
            if (registration) await navigator.serviceWorker.ready;
        }"""
    )
    page.wait_for_load_state("networkidle")
    transferred = 0
    counted = 0
    for request in finished:
        served = request.response()
        if served is not None and served.from_service_worker:
            continue  # answered from the cache the worker just filled: no network bytes
        sizes = request.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        counted += 1
    context.close()
    return PageResult(name, path, response.status if response else 0, counted, transferred)


def signed_in_state(browser: Any, base_url: str) -> Any:
    context = browser.new_context()
    page = context.new_page()
    page.goto(base_url + "/accounts/login/")
    page.fill('input[name="login"]', "alice")
    page.fill('input[name="password"]', DEMO_PASSWORD)
    page.press('input[name="password"]', "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    state = context.storage_state()  # cookies only travel; the cache stays behind
    context.close()
    return state


def measure_pages(base_url: str) -> list[PageResult]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            alice = signed_in_state(browser, base_url)
            return [
                measure_page(browser, base_url, name, path, alice if signed_in else None)
                for name, path, signed_in in PAGES
            ]
        finally:
            browser.close()


def fetch(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}")
        return body
    finally:
        connection.close()


def requests_per_second(port: int, path: str) -> tuple[float, int]:
    """Keep-alive GETs from a few threads, bounded by LOAD_SECONDS and LOAD_MAX_REQUESTS."""
    for _ in range(WARMUP_REQUESTS):
        fetch(port, path)
    lock = threading.Lock()
    done = 0
    errors: list[str] = []
    deadline = time.monotonic() + LOAD_SECONDS

    def worker() -> None:
        nonlocal done
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if done >= LOAD_MAX_REQUESTS:
                        return
                    done += 1
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(f"{path}: HTTP {response.status}")
                    return
        except OSError as error:
            errors.append(f"{path}: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(LOAD_THREADS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if errors:
        raise SystemExit("load test failed: " + "; ".join(errors[:3]))
    return done / elapsed, done


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mindhaven-bench-") as tmp:
        data_dir = Path(tmp)
        env = deployment_env(data_dir, MINDHAVEN_DEMO_PASSWORD=DEMO_PASSWORD)
        print(f"Building a throwaway deployment in {data_dir} ...", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "demo")

        with ServerProcess(env) as site:
            print(f"Site at {site.url} (uvicorn, DEBUG off, compressed manifest static)\n")
            results = measure_pages(site.url)
            home_body = fetch(site.port, "/")
            (data_dir / "home.html").write_bytes(home_body)
            bare_env = {**env, "BENCH_BODY_FILE": str(data_dir / "home.html")}
            bare_env["PYTHONPATH"] = str(REPO_DIR)
            site_rps, site_n = requests_per_second(site.port, "/")
            with ServerProcess(bare_env, asgi_app="bench.bare_app:application") as bare:
                if fetch(bare.port, "/") != home_body:
                    raise SystemExit("the bare view does not return the home page's bytes")
                bare_rps, bare_n = requests_per_second(bare.port, "/")

    over = [r for r in results if r.kb > BUDGET_KB or r.status != 200]
    print(f"{'page':<10} {'path':<22} {'status':>6} {'requests':>8} {'KB':>8}  budget  vs median")
    for r in results:
        verdict = "OVER" if r in over else "ok"
        ratio = r.kb / ALMANAC_MEDIAN_MOBILE_KB
        lighter = ALMANAC_MEDIAN_MOBILE_KB / max(r.kb, 0.001)
        print(
            f"{r.name:<10} {r.path:<22} {r.status:>6} {r.requests:>8} {r.kb:>8.1f}  "
            f"{verdict:<6}  {ratio:.3f}x ({lighter:.0f}x lighter)"
        )
    print(
        f"\nBudget {BUDGET_KB} KB per page; Web Almanac 2024 median mobile page "
        f"{ALMANAC_MEDIAN_MOBILE_KB:,} KB."
    )
    print(
        f"\nThroughput ({LOAD_THREADS} keep-alive clients, <= {LOAD_SECONDS:.0f} s or "
        f"{LOAD_MAX_REQUESTS} requests each run, loopback, one uvicorn worker, "
        f"{len(home_body):,}-byte body):"
    )
    print(f"  home page (full stack)  {site_rps:8.0f} req/s  ({site_n} requests)")
    print(f"  bare Django view        {bare_rps:8.0f} req/s  ({bare_n} requests)")
    print(f"  ratio home / bare       {site_rps / bare_rps:8.2f}")
    print("  (client: Python threads in this process, sharing the CPU with the server)")
    if over:
        names = ", ".join(f"{r.name} ({r.kb:.1f} KB, HTTP {r.status})" for r in over)
        print(f"\nOver budget or failed: {names}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
