import json
import uuid
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings

from mindhaven.accounts.services import agree_to_privacy, issue_token
from mindhaven.core.encryption import reset_keys
from mindhaven.core.testing import BaseTestCase, make_user
from mindhaven.mood.models import MoodEntry
from mindhaven.mood.services import record_checkin
from mindhaven.mood.tests.test_api import URL, entry


class EncryptionAtRestTestCase(TransactionTestCase):
    """Committed rows, read back as the database stores them (hence no wrapping transaction)."""

    def test_it_never_stores_the_note_in_plain_text(self) -> None:
        alice = make_user("alice")
        agree_to_privacy(user=alice)
        token = issue_token(user=alice, name="test")[1]
        marker = f"marker-{uuid.uuid4().hex}"
        body = entry(note=f"Today {marker} was hard.")
        r = self.client.post(
            URL,
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        self.assertEqual(r.status_code, 201)
        r = self.client.get(URL, headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(r.json()["items"][0]["note"], f"Today {marker} was hard.")

        with connection.cursor() as cursor:
            cursor.execute("SELECT note FROM mood_moodentry")
            (stored,) = cursor.fetchone()
        self.assertTrue(stored.startswith("fernet:"))
        self.assertNotIn(marker, stored)

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT note::bytea FROM mood_moodentry")
                raw = bytes(cursor.fetchone()[0])
            self.assertTrue(raw.startswith(b"fernet:"))
            self.assertNotIn(marker.encode(), raw)
        else:
            raw = self._sqlite_bytes()
            # The bytes are really the database's: plain columns are there.
            self.assertIn(b"alice@example.org", raw)
            self.assertNotIn(marker.encode(), raw)

    @staticmethod
    def _sqlite_bytes() -> bytes:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        path = Path(connection.settings_dict["NAME"])
        data = path.read_bytes()
        wal = path.with_name(path.name + "-wal")
        return data + (wal.read_bytes() if wal.exists() else b"")


class RotateKeysTestCase(BaseTestCase):
    def use_keys(self, *keys: bytes) -> None:
        override = override_settings(ENCRYPTION_KEYS=[key.decode() for key in keys])
        override.enable()
        self.addCleanup(reset_keys)
        self.addCleanup(override.disable)
        reset_keys()

    def rotate(self) -> str:
        out = StringIO()
        call_command("rotate-keys", batch_size=2, stdout=out)
        return out.getvalue()

    def stored_notes(self) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT note FROM mood_moodentry WHERE note != '' ORDER BY id")
            return [row[0] for row in cursor.fetchall()]

    def test_it_reencrypts_every_note_in_batches_and_resumes(self) -> None:
        key_a, key_b = Fernet.generate_key(), Fernet.generate_key()
        self.use_keys(key_a)

        for i in range(5):
            record_checkin(
                member=self.alice,
                client_id=uuid.uuid4(),
                recorded_at=datetime(2025, 1, 1 + i, 9, tzinfo=UTC),
                mood=3,
                note=f"note {i}" if i != 2 else "",
            )
        before = self.stored_notes()

        self.use_keys(key_b, key_a)
        self.assertIn("mood.MoodEntry.note: 4 re-encrypted", self.rotate())
        after = self.stored_notes()
        self.assertEqual(len(after), 4)
        self.assertTrue(
            all(a != b and a.startswith("fernet:") for a, b in zip(after, before, strict=True))
        )

        self.use_keys(key_b)
        notes = [e.note for e in MoodEntry.objects.order_by("recorded_at")]
        self.assertEqual(notes, ["note 0", "note 1", "", "note 3", "note 4"])
        self.assertIn("mood.MoodEntry.note: 0 re-encrypted", self.rotate())
