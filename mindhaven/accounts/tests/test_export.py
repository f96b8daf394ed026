import csv
import io
import json
import zipfile

from django.test import Client

from mindhaven.accounts.models import AccessToken
from mindhaven.accounts.services import issue_token
from mindhaven.accounts.tests.privacy_fixtures import ALICE_NOTE, CHARLIE_NOTE, give_data
from mindhaven.core.export import ExportFile, build_export, register_exporter, render
from mindhaven.core.testing import BaseTestCase

EXPORT = "/api/v1/me/export"


def files_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


class ExportTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_data(cls.alice, note=ALICE_NOTE, clinician=cls.bob)
        give_data(cls.charlie, note=CHARLIE_NOTE, clinician=cls.dave)

    def test_it_lists_every_file_in_the_readme(self) -> None:
        files = files_of(build_export(self.alice))
        readme = files.pop("README.txt").decode()
        self.assertIn("alice", readme)
        for name in files:
            self.assertIn(f"\n{name}\n    ", readme, f"{name} is not explained in README.txt")
        for name in (
            "accounts/profile.json",
            "accounts/email_addresses.csv",
            "accounts/access_tokens.csv",
            "accounts/two_factor.csv",
            "accounts/access_log.csv",
            "accounts/care_links.csv",
            "accounts/consent_grants.csv",
            "accounts/consent_history.csv",
            "notifications/notifications.csv",
            "mood/entries.csv",
        ):
            self.assertIn(name, files)

    def test_it_writes_json_that_parses_and_csv_with_a_header(self) -> None:
        files = files_of(build_export(self.alice))
        for name, content in files.items():
            if name.endswith(".json"):
                json.loads(content)
            elif name.endswith(".csv"):
                header = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
                self.assertTrue(all(header), f"{name} has an empty column name")
        profile = json.loads(files["accounts/profile.json"])
        self.assertEqual(profile["username"], "alice")
        self.assertEqual(profile["code"], str(self.alice.code))
        self.assertEqual(profile["email"], "alice@example.org")
        self.assertEqual(profile["timezone"], "Europe/London")
        self.assertEqual(profile["country"], "GB")
        self.assertEqual(profile["role"], "member")

    def test_it_includes_alices_data(self) -> None:
        files = files_of(build_export(self.alice))
        everything = b"".join(files.values()).decode("utf-8", "replace")
        self.assertIn(ALICE_NOTE, everything)  # decrypted
        log = csv_rows(files["accounts/access_log.csv"])
        self.assertEqual([(r["who"], r["category"]) for r in log], [("bob", "mood")])
        grants = csv_rows(files["accounts/consent_grants.csv"])
        self.assertEqual([(g["clinician"], g["categories"]) for g in grants], [("bob", '["mood"]')])
        history = csv_rows(files["accounts/consent_history.csv"])
        self.assertEqual([(h["action"], h["by"]) for h in history], [("grant", "alice")])
        notices = csv_rows(files["notifications/notifications.csv"])
        self.assertEqual([n["body"] for n in notices], ["alice's phone"])

    def test_it_contains_none_of_charlies_data(self) -> None:
        everything = b"".join(files_of(build_export(self.alice)).values()).decode()
        for marker in (CHARLIE_NOTE, "charlie", str(self.charlie.code), "dave"):
            self.assertNotIn(marker, everything)

    def test_it_leaves_out_token_hashes(self) -> None:
        everything = b"".join(files_of(build_export(self.alice)).values()).decode()
        token = AccessToken.objects.get(user=self.alice)
        self.assertNotIn(token.token_hash, everything)
        self.assertIn(token.prefix, everything)

    def test_it_renders_registered_exporters_into_their_folder(self) -> None:
        @register_exporter("zz-test")
        def exporter(user):
            return [
                ExportFile("empty.csv", [], "Nothing yet.", columns=["a", "b"]),
                ExportFile("zz-test/raw.bin", b"\x00\x01", "Raw bytes."),
            ]

        try:
            files = files_of(build_export(self.charlie))
        finally:
            from mindhaven.core import export

            export._exporters.pop("zz-test")
        self.assertEqual(files["zz-test/empty.csv"].decode("utf-8-sig"), "a,b\r\n")
        self.assertEqual(files["zz-test/raw.bin"], b"\x00\x01")

    def test_it_refuses_paths_outside_the_folder(self) -> None:
        for path in ("../escape.json", "/abs.json", "a/../../b.json"):
            with self.assertRaises(ValueError):
                from mindhaven.core.export import _zip_path

                _zip_path("accounts", path)
        with self.assertRaises(ValueError):
            render(ExportFile("no-rows.csv", [], "No columns either."))


class ExportApiTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_data(cls.alice, note=ALICE_NOTE)
        give_data(cls.charlie, note=CHARLIE_NOTE)

    def test_it_downloads_a_zip_with_the_session(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(EXPORT)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/zip")
        self.assertRegex(
            r["Content-Disposition"],
            r'^attachment; filename="mindhaven-export-alice-\d{4}-\d{2}-\d{2}\.zip"$',
        )
        self.assertEqual(r["Cache-Control"], "no-store")
        files = files_of(r.content)
        self.assertIn("README.txt", files)
        self.assertNotIn(CHARLIE_NOTE.encode(), b"".join(files.values()))

    def test_it_downloads_a_zip_with_a_token(self) -> None:
        _token, raw = issue_token(user=self.charlie, name="script")
        r = Client().get(EXPORT, HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(r.status_code, 200)
        everything = b"".join(files_of(r.content).values()).decode()
        self.assertIn(CHARLIE_NOTE, everything)
        self.assertNotIn(ALICE_NOTE, everything)

    def test_it_refuses_anonymous_callers(self) -> None:
        r = self.client.get(EXPORT)
        self.assertEqual(r.status_code, 401)
        self.assertIn("authentication required", r.json()["detail"])

    def test_it_rejects_other_methods(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(EXPORT).status_code, 405)

    def test_it_is_described_in_the_openapi_spec(self) -> None:
        spec = self.client.get("/api/v1/openapi.json").json()
        operation = spec["paths"]["/api/v1/me/export"]["get"]
        self.assertIn("application/zip", operation["responses"]["200"]["content"])
