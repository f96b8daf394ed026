import io
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from mindhaven.accounts.models import ExportJob
from mindhaven.accounts.tasks import build_export_file, purge_expired_exports
from mindhaven.accounts.tests.privacy_fixtures import ALICE_NOTE, give_data
from mindhaven.core import export
from mindhaven.core.export import ExportFile
from mindhaven.core.testing import BaseTestCase

EXPORT = "/accounts/export/"
LOGIN = "/accounts/login/"
REAUTHENTICATE = "/accounts/reauthenticate/"
RECORDS = "account_authentication_methods"


def status_url(job: ExportJob) -> str:
    return f"/accounts/export/{job.code}/"


def download_url(job: ExportJob) -> str:
    return f"/accounts/export/{job.code}/download/"


class ExportPageTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_data(cls.alice, note=ALICE_NOTE)

    def sign_in_and_confirm(self, username: str = "alice") -> None:
        """Sign in, then give the password again, as the export page asks."""
        r = self.client.post(LOGIN, {"login": username, "password": self.password})
        self.assertEqual(r.status_code, 302)
        r = self.client.get(EXPORT)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REAUTHENTICATE), r["Location"])
        r = self.client.post(r["Location"], {"password": self.password}, follow=True)
        self.assertEqual(r.wsgi_request.path, EXPORT)
        self.assertEqual(r.status_code, 200)

    def age_authentication(self, seconds: int) -> None:
        session = self.client.session
        records = session[RECORDS]
        for record in records:
            record["at"] -= seconds
        session[RECORDS] = records
        session.save()

    def start_export(self) -> ExportJob:
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(EXPORT)
        self.assertRedirects(r, EXPORT, fetch_redirect_response=False)
        return ExportJob.objects.get(user=self.alice)

    def test_it_asks_for_the_password_again(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(EXPORT)
        self.assertRedirects(r, f"{REAUTHENTICATE}?next={EXPORT}", fetch_redirect_response=False)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(EXPORT)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REAUTHENTICATE))
        self.assertFalse(ExportJob.objects.exists())

    def test_it_works_right_after_reauthenticating_and_asks_again_after_ten_minutes(
        self,
    ) -> None:
        self.sign_in_and_confirm()
        self.age_authentication(9 * 60)
        self.assertEqual(self.client.get(EXPORT).status_code, 200)
        self.age_authentication(2 * 60)
        r = self.client.get(EXPORT)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REAUTHENTICATE))

    def test_it_builds_the_export_and_shows_the_download_link(self) -> None:
        self.sign_in_and_confirm()
        page = self.client.get(EXPORT)
        self.assertContains(page, "Prepare my download")
        self.assertContains(page, "htmx.min.js")
        job = self.start_export()
        self.assertEqual(job.status, ExportJob.Status.READY)
        self.assertEqual(job.progress, 100)
        self.assertTrue((Path(settings.DATA_DIR) / "exports" / job.file_name).is_file())
        page = self.client.get(EXPORT)
        self.assertContains(page, download_url(job))
        self.assertNotContains(page, "hx-trigger")  # finished: no more polling
        r = self.client.get(download_url(job))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/zip")
        self.assertIn("mindhaven-export-alice-", r["Content-Disposition"])
        data = b"".join(r.streaming_content)  # type: ignore[attr-defined]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.assertIn("README.txt", archive.namelist())
            self.assertIn(ALICE_NOTE, archive.read("mood/entries.csv").decode("utf-8-sig"))

    def test_it_polls_while_the_export_is_under_way(self) -> None:
        self.sign_in_and_confirm()
        job = ExportJob.objects.create(user=self.alice, progress=40)
        page = self.client.get(EXPORT)
        self.assertContains(page, f'hx-get="{status_url(job)}"')
        self.assertContains(page, '<progress id="export-progress" max="100" value="40">')
        # Another POST while one is under way starts nothing new.
        self.client.post(EXPORT)
        self.assertEqual(ExportJob.objects.count(), 1)
        fragment = self.client.get(status_url(job), HTTP_HX_REQUEST="true")
        self.assertEqual(fragment.status_code, 200)
        self.assertNotContains(fragment, "<html")
        self.assertContains(fragment, "40% done")
        self.assertIn("HX-Request", fragment["Vary"])

    def test_it_records_progress_as_each_part_is_done(self) -> None:
        job = ExportJob.objects.create(user=self.alice)
        seen: list[tuple[str, int]] = []

        def watch(user):
            current = ExportJob.objects.get(pk=job.pk)
            seen.append((current.status, current.progress))
            return [ExportFile("seen.json", {}, "A test file.")]

        export._exporters["zz-watch"] = watch
        try:
            build_export_file.enqueue(str(job.code))
        finally:
            export._exporters.pop("zz-watch")
        ((status, progress),) = seen
        self.assertEqual(status, ExportJob.Status.RUNNING)
        self.assertTrue(1 < progress < 100, progress)  # the other parts were done
        job.refresh_from_db()
        self.assertEqual((job.status, job.progress), (ExportJob.Status.READY, 100))

    def test_it_marks_a_failed_export(self) -> None:
        job = ExportJob.objects.create(user=self.alice)

        def broken(user):
            raise RuntimeError("disk on fire")

        export._exporters["zz-broken"] = broken
        try:
            with self.assertLogs("mindhaven.accounts", "ERROR"):
                build_export_file.enqueue(str(job.code))
        finally:
            export._exporters.pop("zz-broken")
        job.refresh_from_db()
        self.assertEqual(job.status, ExportJob.Status.FAILED)
        self.assertEqual(job.file_name, "")
        self.sign_in_and_confirm()
        page = self.client.get(EXPORT)
        self.assertContains(page, "Something went wrong")
        self.assertContains(page, "Prepare a new download")
        self.assertEqual(self.client.get(download_url(job)).status_code, 404)

    def test_it_hides_alices_export_from_charlie(self) -> None:
        self.sign_in_and_confirm()
        job = self.start_export()
        self.client.logout()
        self.sign_in_and_confirm("charlie")
        self.assertEqual(self.client.get(download_url(job)).status_code, 404)
        self.assertEqual(self.client.get(status_url(job)).status_code, 404)
        self.assertNotContains(self.client.get(EXPORT), str(job.code))

    def test_it_gives_404_for_unknown_or_expired_exports(self) -> None:
        self.sign_in_and_confirm()
        job = self.start_export()
        self.assertEqual(
            self.client.get(
                "/accounts/export/00000000-0000-0000-0000-000000000000/download/"
            ).status_code,
            404,
        )
        ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
        self.assertEqual(self.client.get(download_url(job)).status_code, 404)
        self.assertContains(self.client.get(EXPORT), "Prepare my download")

    def test_it_deletes_expired_exports_and_their_files(self) -> None:
        self.sign_in_and_confirm()
        job = self.start_export()
        path = Path(settings.DATA_DIR) / "exports" / job.file_name
        ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        self.assertEqual(purge_expired_exports.call(), 1)
        self.assertFalse(path.exists())
        self.assertFalse(ExportJob.objects.exists())

    def test_it_rejects_other_methods(self) -> None:
        self.sign_in_and_confirm()
        job = self.start_export()
        self.assertEqual(self.client.put(EXPORT).status_code, 405)
        self.assertEqual(self.client.post(download_url(job)).status_code, 405)
        self.assertEqual(self.client.post(status_url(job)).status_code, 405)

    def test_it_sends_anonymous_visitors_to_sign_in(self) -> None:
        r = self.client.get(EXPORT)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(LOGIN))
