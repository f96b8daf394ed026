"""Passkeys in a real Chromium with a virtual authenticator, against the live ASGI server.

WebAuthn refuses an IP address as the relying party, so the pages are opened as
http://localhost:<port> (a secure context, like 127.0.0.1); allauth takes the RP ID
from the request's host.
"""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from mindhaven.core.testing import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server_url: str) -> str:
    return live_server_url.replace("://127.0.0.1:", "://localhost:")


@pytest.fixture
def authenticator(page, context):
    """A platform authenticator (like Touch ID) that holds passkeys and verifies the user."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    result = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    yield cdp, result["authenticatorId"]
    cdp.send("WebAuthn.disable")


def credentials(authenticator) -> list[dict[str, Any]]:
    cdp, authenticator_id = authenticator
    return list(
        cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    )


def confirm_password_if_asked(page) -> None:
    if "/accounts/reauthenticate/" in page.url:
        page.fill('input[name="password"]', PASSWORD)
        page.locator("main form").get_by_role("button", name="Confirm").click()
        page.wait_for_url(lambda url: "/accounts/reauthenticate/" not in url)


def sign_out(page, site: str) -> None:
    page.goto(f"{site}/")
    page.get_by_role("button", name="Sign out").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()


def add_passkey(page, site: str, authenticator, axe_check) -> None:
    page.goto(f"{site}/accounts/2fa/")
    page.get_by_role("link", name="Add").last.click()
    confirm_password_if_asked(page)
    expect(page.locator("h1")).to_contain_text("Add Security Key")
    axe_check(page)
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))
    page.locator("#mfa_webauthn_add").click()
    try:
        page.wait_for_url(lambda url: "/accounts/2fa/webauthn/add/" not in url, timeout=10_000)
    except Exception:
        # allauth's script reports a refused WebAuthn call on the console only.
        pytest.fail(f"the passkey was not added; the console said: {errors}")
    assert len(credentials(authenticator)) == 1


@pytest.fixture
def alice():
    user = make_user("alice")
    # allauth lets only people with a verified address set up a second factor.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_it_adds_a_passkey_and_signs_in_with_it(page, site, login, authenticator, alice, axe_check):
    login(page, site, "alice", PASSWORD)
    add_passkey(page, site, authenticator, axe_check)
    key = Authenticator.objects.get(user=alice, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop"
    assert key.wrap().is_passwordless is True
    sign_out(page, site)

    page.goto(f"{site}/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{site}/")
    expect(page.locator("h1")).to_contain_text("Welcome, Alice")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_it_completes_the_second_step_with_a_security_key(
    page, site, login, authenticator, alice, axe_check
):
    login(page, site, "alice", PASSWORD)
    add_passkey(page, site, authenticator, axe_check)
    sign_out(page, site)

    page.goto(f"{site}/accounts/login/")
    page.fill('input[name="login"]', "alice")
    page.fill('input[name="password"]', PASSWORD)
    page.locator("main form").get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{site}/accounts/2fa/authenticate/")
    axe_check(page)
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(f"{site}/")
    expect(page.locator("h1")).to_contain_text("Welcome, Alice")
