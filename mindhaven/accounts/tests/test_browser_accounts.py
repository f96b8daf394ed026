"""The API docs and the account page in a real browser, against the live ASGI server."""

import pytest
from playwright.sync_api import expect

from mindhaven.core.testing import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_CSP_VIOLATIONS = """() => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation',
    e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
}"""


def test_it_renders_the_api_docs_under_the_strict_csp(browser, live_server_url):
    # A context of our own: the shared one bypasses CSP so that axe can be injected.
    context = browser.new_context(bypass_csp=False)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script(f"({RECORD_CSP_VIOLATIONS})()")
    response = page.goto(f"{live_server_url}/api/v1/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Mindhaven API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert page.evaluate("() => window.__cspViolations") == []
    assert [m for m in messages if "Content Security Policy" in m] == []
    context.close()


def test_it_creates_and_revokes_a_token_on_the_account_page(
    page, live_server_url, login, axe_check
):
    make_user("alice")
    login(page, live_server_url, "alice", PASSWORD)
    page.goto(f"{live_server_url}/accounts/profile/")
    axe_check(page)
    page.get_by_label("Token name").fill("Browser test")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token")
    expect(token).to_contain_text("mh_")
    axe_check(page)
    page.get_by_role("button", name="Revoke “Browser test”").click()
    expect(page.locator(".messages")).to_contain_text("was revoked")
    expect(page.get_by_role("row", name="Browser test")).to_contain_text("Revoked")
