import pytest
from cryptography.fernet import Fernet
from django.test import SimpleTestCase, override_settings

from mindhaven.core import encryption

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


class EncryptionTestCase(SimpleTestCase):
    def setUp(self) -> None:
        encryption.reset_keys()
        self.addCleanup(encryption.reset_keys)

    def test_it_round_trips_text_without_keeping_it_readable(self) -> None:
        stored = encryption.encrypt_text("I felt calmer after the walk")
        assert stored.startswith(encryption.PREFIX)
        assert "calmer" not in stored
        assert encryption.decrypt_text(stored) == "I felt calmer after the walk"

    def test_it_decrypts_with_any_configured_key_and_encrypts_with_the_first(self) -> None:
        with override_settings(ENCRYPTION_KEYS=[OLD]):
            encryption.reset_keys()
            old = encryption.encrypt_text("note")
        with override_settings(ENCRYPTION_KEYS=[NEW, OLD]):
            encryption.reset_keys()
            assert encryption.decrypt_text(old) == "note"
            assert not encryption.is_current(old)
            rotated = encryption.rotate(old)
            assert encryption.is_current(rotated)
        with override_settings(ENCRYPTION_KEYS=[NEW]):
            encryption.reset_keys()
            assert encryption.decrypt_text(rotated) == "note"
            with pytest.raises(ValueError, match="cannot be decrypted"):
                encryption.decrypt_text(old)

    def test_it_refuses_plain_text_as_stored_value(self) -> None:
        with pytest.raises(ValueError, match="not encrypted"):
            encryption.decrypt_text("plain words")

    def test_it_names_the_setting_when_a_key_is_malformed(self) -> None:
        with override_settings(ENCRYPTION_KEYS=["not-a-key"]):
            encryption.reset_keys()
            with pytest.raises(Exception, match="MINDHAVEN_ENCRYPTION_KEYS must be Fernet keys"):
                encryption.encrypt_text("x")
