"""Security headers on public and signed-in pages, and what production adds.

Production is checked in a child process with MINDHAVEN_ENV=production, so that the
settings module itself decides (HSTS, Secure cookies), not an override in this one.
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.test import RequestFactory, SimpleTestCase, override_settings

from mindhaven.core.middleware import PermissionsPolicyMiddleware
from mindhaven.core.testing import BaseTestCase

ROOT = Path(__file__).resolve().parents[3]
HSTS_SECONDS = 4242


def directives(csp: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in csp.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


class SecurityHeadersTestCase(BaseTestCase):
    def assert_strict_headers(self, response: HttpResponseBase) -> None:
        csp = response["Content-Security-Policy"]
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        policy = directives(csp)
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
        self.assertEqual(policy["object-src"], ["'none'"])
        self.assertEqual(policy["script-src"], ["'self'"])
        self.assertEqual(policy["default-src"], ["'self'"])
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["X-Frame-Options"], "DENY")
        permissions = response["Permissions-Policy"]
        self.assertIn("camera=()", permissions)
        self.assertIn("microphone=()", permissions)
        self.assertNotIn("X-Mindhaven-Media", response)

    def test_it_sends_them_on_a_public_page(self) -> None:
        r = self.client.get("/help/")
        self.assertEqual(r.status_code, 200)
        self.assert_strict_headers(r)

    def test_it_sends_them_on_a_signed_in_page(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get("/accounts/profile/")
        self.assertEqual(r.status_code, 200)
        self.assert_strict_headers(r)

    def test_it_sends_them_on_the_api_and_errors(self) -> None:
        self.assert_strict_headers(self.client.get("/api/v1/me"))
        self.assert_strict_headers(self.client.get("/no-such-page/"))

    def test_it_keeps_development_cookies_usable_over_http(self) -> None:
        self.assertFalse(settings.SESSION_COOKIE_SECURE)
        self.assertTrue(settings.SESSION_COOKIE_HTTPONLY)
        self.assertEqual(getattr(settings, "SECURE_HSTS_SECONDS", 0), 0)

    @override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
    def test_it_marks_the_session_and_csrf_cookies_secure_when_told(self) -> None:
        r = self.client.get("/accounts/login/", secure=True)
        self.assertTrue(r.cookies[settings.CSRF_COOKIE_NAME]["secure"])
        r = self.client.post(
            "/accounts/login/",
            {"login": "alice", "password": self.password},
            secure=True,
        )
        self.assertEqual(r.status_code, 302)
        session = r.cookies[settings.SESSION_COOKIE_NAME]
        self.assertTrue(session["secure"])
        self.assertTrue(session["httponly"])
        self.assertEqual(session["samesite"], "Lax")


def media_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("call")
    response["X-Mindhaven-Media"] = "1"
    return response


def plain_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("page")


class PermissionsPolicyTestCase(SimpleTestCase):
    def test_it_denies_camera_and_microphone_by_default(self) -> None:
        response = PermissionsPolicyMiddleware(plain_view)(RequestFactory().get("/"))
        policy = response["Permissions-Policy"]
        self.assertIn("camera=()", policy)
        self.assertIn("microphone=()", policy)

    def test_it_allows_them_to_this_origin_on_call_pages(self) -> None:
        response = PermissionsPolicyMiddleware(media_view)(RequestFactory().get("/"))
        policy = response["Permissions-Policy"]
        self.assertIn("camera=(self)", policy)
        self.assertIn("microphone=(self)", policy)
        self.assertIn("geolocation=()", policy)
        # The marker is for the middleware only; it never reaches the browser.
        self.assertNotIn("X-Mindhaven-Media", response)


PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings

# No collectstatic in a test: plain static storage, every other production setting kept.
storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    client = Client()
    plain = client.get("/help/", headers={"host": "mindhaven.example.org"})
    r = client.get("/help/", secure=True, headers={"host": "mindhaven.example.org"})
csrf = r.cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "status": r.status_code,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "hsts": r.get("Strict-Transport-Security", ""),
    "csrf_cookie_secure": bool(csrf["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csrf_cookie_secure_setting": settings.CSRF_COOKIE_SECURE,
    "language_cookie_secure": settings.LANGUAGE_COOKIE_SECURE,
    "csp": r.get("Content-Security-Policy", ""),
}))
"""


class ProductionHeadersTestCase(SimpleTestCase):
    def probe(self, tmp: str) -> dict[str, object]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MINDHAVEN_", "DJANGO_"))}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "mindhaven.config.settings",
                "MINDHAVEN_ENV": "production",
                "MINDHAVEN_DATA_DIR": tmp,
                "MINDHAVEN_ALLOWED_HOSTS": "mindhaven.example.org",
                "MINDHAVEN_SECRET_KEY": secrets.token_urlsafe(50),
                "MINDHAVEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "MINDHAVEN_HSTS_SECONDS": str(HSTS_SECONDS),
            }
        )
        result = subprocess.run(
            [sys.executable, "-c", PRODUCTION_PROBE],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
        return data

    def test_it_sends_hsts_and_secure_cookies_in_production(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            data = self.probe(tmp)
        self.assertEqual(data["status"], 200)
        self.assertEqual(data["plain_status"], 301)
        self.assertEqual(data["plain_location"], "https://mindhaven.example.org/help/")
        self.assertEqual(data["hsts"], f"max-age={HSTS_SECONDS}; includeSubDomains; preload")
        self.assertIs(data["csrf_cookie_secure"], True)
        self.assertIs(data["csrf_cookie_secure_setting"], True)
        self.assertIs(data["session_cookie_secure"], True)
        self.assertIs(data["session_cookie_httponly"], True)
        self.assertIs(data["language_cookie_secure"], True)
        # Production drops plain ws: from connect-src.
        self.assertNotIn("ws: ", str(data["csp"]) + " ")
        self.assertIn("wss:", str(data["csp"]))
