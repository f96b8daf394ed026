"""Encryption at rest of the free text people write (Fernet, with key rotation).

Keys come from MINDHAVEN_ENCRYPTION_KEYS (comma-separated Fernet keys: the first
encrypts, all decrypt). In development and tests a key is generated once into the
data directory. Stored values carry a prefix so that a value is never mistaken for
plain text, and so that `mindhaven rotate-keys` can tell what it has done.
"""

from __future__ import annotations

import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@functools.cache
def _keys() -> tuple[Fernet, ...]:
    raw = list(settings.ENCRYPTION_KEYS)
    if not raw:
        raise ImproperlyConfigured("MINDHAVEN_ENCRYPTION_KEYS must list at least one key")
    try:
        return tuple(Fernet(key) for key in raw)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "MINDHAVEN_ENCRYPTION_KEYS must be Fernet keys (python3 -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from None


def reset_keys() -> None:
    """Forget the loaded keys (after the settings changed, e.g. in tests)."""
    _keys.cache_clear()


def _multi() -> MultiFernet:
    return MultiFernet(list(_keys()))


def encrypt_text(plain: str) -> str:
    return PREFIX + _multi().encrypt(plain.encode()).decode()


def decrypt_text(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("value is not encrypted")
    try:
        return _multi().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ValueError("value cannot be decrypted with any configured key") from None


def is_current(stored: str) -> bool:
    """True when the value is encrypted with the first (current) key."""
    if not stored.startswith(PREFIX):
        return False
    try:
        _keys()[0].decrypt(stored[len(PREFIX) :].encode())
    except InvalidToken:
        return False
    return True


def rotate(stored: str) -> str:
    """The same text, encrypted with the current key."""
    return PREFIX + _multi().rotate(stored[len(PREFIX) :].encode()).decode()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text field stored encrypted; reads give the plain text back.

    Encrypted values cannot be searched or ordered by the database; keep such
    fields for free text only. Empty strings stay empty (nothing to hide).
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) pair stored encrypted, for key rotation and tests."""
    from django.apps import apps

    pairs = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, EncryptedTextField):
                pairs.append((model, field.attname))
    return pairs
