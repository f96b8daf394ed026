"""Export and erasure as a person does them, in a real browser against the live server."""

import zipfile
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from playwright.sync_api import expect

from mindhaven.accounts.models import ExportJob, User
from mindhaven.accounts.tasks import build_export_file
from mindhaven.accounts.tests.privacy_fixtures import ALICE_NOTE
from mindhaven.core.testing import PASSWORD, make_user
from mindhaven.mood.services import record_checkin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def confirm_password(page, url: str) -> None:
    """allauth asks for the password again before the export page (sudo mode)."""
    if "/accounts/reauthenticate/" in page.url:
        page.fill('input[name="password"]', PASSWORD)
        page.locator("main form").get_by_role("button", name="Confirm").click()
        page.wait_for_url(url)


def test_alice_exports_her_data_and_then_deletes_her_account(
    page, live_server_url, login, axe_check, tmp_path
):
    alice = make_user("alice")
    make_user("charlie")
    # Only what broadcasts nothing: the channel layer's async_to_sync cannot run in
    # Playwright's thread.
    record_checkin(
        member=alice,
        client_id=uuid4(),
        recorded_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        mood=4,
        note=ALICE_NOTE,
    )
    login(page, live_server_url, "alice", PASSWORD)

    export_url = f"{live_server_url}/accounts/export/"
    page.goto(export_url)
    assert "/accounts/reauthenticate/" in page.url
    confirm_password(page, export_url)
    expect(page.locator("h1")).to_have_text("Download your data")
    axe_check(page)

    # Under tests the task runs at once, so the link is there when the page comes back.
    page.get_by_role("button", name="Prepare my download").click()
    link = page.get_by_role("link", name="Download your data (zip)")
    expect(link).to_be_visible()
    axe_check(page)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("mindhaven-export-alice-")
    saved = tmp_path / "export.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        assert "README.txt" in names
        assert ALICE_NOTE in archive.read("mood/entries.csv").decode("utf-8-sig")

    # A large export is built by the worker: the page polls and shows the link when done.
    job = ExportJob.objects.create(user=alice, progress=30)
    page.reload()
    progress = page.locator("progress#export-progress")
    expect(progress).to_have_attribute("value", "30")
    expect(page.get_by_role("link", name="Download your data (zip)")).to_have_count(0)
    axe_check(page)
    build_export_file.call(str(job.code))
    expect(page.get_by_role("link", name="Download your data (zip)")).to_be_visible(timeout=10_000)
    expect(progress).to_have_count(0)

    # Then she leaves.
    page.get_by_role("link", name="delete your account").click()
    expect(page.locator("h1")).to_have_text("Delete your account")
    expect(page.locator("main")).to_contain_text("What stays")
    axe_check(page)
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account and my data").click()
    expect(page.locator("main")).to_contain_text("That is not your password")
    axe_check(page)
    assert User.objects.filter(username="alice").exists()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account and my data").click()
    page.wait_for_url(f"{live_server_url}/accounts/goodbye/")
    expect(page.locator("h1")).to_have_text("Your account is deleted")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    axe_check(page)
    assert not User.objects.filter(username="alice").exists()
    assert User.objects.filter(username="charlie").exists()
