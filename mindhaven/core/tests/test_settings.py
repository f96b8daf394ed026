import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from mindhaven.core.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MINDHAVEN_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    clean.update({"MINDHAVEN_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "mindhaven", *args],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "MINDHAVEN_ENV": "production",
    "MINDHAVEN_ALLOWED_HOSTS": "mindhaven.example.org",
    "MINDHAVEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


class ProductionSettingsTestCase(SimpleTestCase):
    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self._tmp.cleanup)
        self.tmp_path = Path(self._tmp.name)

    def test_it_passes_check_deploy_with_zero_warnings(self) -> None:
        tmp_path = self.tmp_path
        key = secrets.token_urlsafe(50)
        result = run_cli(
            "check", "--deploy", env={**PRODUCTION, "MINDHAVEN_SECRET_KEY": key}, tmp_path=tmp_path
        )
        assert result.returncode == 0, result.stderr
        assert "System check identified no issues (0 silenced)." in result.stdout
        assert "WARNING" not in result.stdout + result.stderr

    def test_it_refuses_to_start_without_a_secret_key(self) -> None:
        tmp_path = self.tmp_path
        result = run_cli("check", env=PRODUCTION, tmp_path=tmp_path)
        assert result.returncode != 0
        assert "MINDHAVEN_SECRET_KEY must be set" in result.stderr

    def test_it_refuses_a_default_secret_key(self) -> None:
        tmp_path = self.tmp_path
        key = "django-insecure-" + "x" * 60
        result = run_cli(
            "check", env={**PRODUCTION, "MINDHAVEN_SECRET_KEY": key}, tmp_path=tmp_path
        )
        assert result.returncode != 0
        assert "MINDHAVEN_SECRET_KEY must be set" in result.stderr

    def test_it_refuses_relay_only_calls_without_turn(self) -> None:
        result = run_cli("check", env={"MINDHAVEN_ICE_RELAY_ONLY": "1"}, tmp_path=self.tmp_path)
        assert result.returncode != 0
        assert "MINDHAVEN_ICE_RELAY_ONLY needs MINDHAVEN_TURN_URLS" in result.stderr

    def test_it_refuses_production_without_allowed_hosts(self) -> None:
        tmp_path = self.tmp_path
        env = {**PRODUCTION, "MINDHAVEN_SECRET_KEY": secrets.token_urlsafe(50)}
        del env["MINDHAVEN_ALLOWED_HOSTS"]
        result = run_cli("check", env=env, tmp_path=tmp_path)
        assert result.returncode != 0
        assert "MINDHAVEN_ALLOWED_HOSTS" in result.stderr

    def test_it_refuses_production_without_encryption_keys(self) -> None:
        tmp_path = self.tmp_path
        env = {**PRODUCTION, "MINDHAVEN_SECRET_KEY": secrets.token_urlsafe(50)}
        del env["MINDHAVEN_ENCRYPTION_KEYS"]
        result = run_cli("check", env=env, tmp_path=tmp_path)
        assert result.returncode != 0
        assert "MINDHAVEN_ENCRYPTION_KEYS must be set in production" in result.stderr

    def test_it_keeps_a_generated_development_key_in_the_data_dir(self) -> None:
        tmp_path = self.tmp_path
        env = {"MINDHAVEN_ENV": "development"}
        first = run_cli("check", env=env, tmp_path=tmp_path)
        assert first.returncode == 0, first.stderr
        key = (tmp_path / "secret_key").read_text()
        assert len(key) >= 50
        assert run_cli("check", env=env, tmp_path=tmp_path).returncode == 0
        assert (tmp_path / "secret_key").read_text() == key
        assert len((tmp_path / "encryption_key").read_text()) == 44

    def test_it_rejects_an_unknown_environment_name(self) -> None:
        tmp_path = self.tmp_path
        result = run_cli("check", env={"MINDHAVEN_ENV": "staging"}, tmp_path=tmp_path)
        assert result.returncode != 0
        assert "MINDHAVEN_ENV must be development, production or test" in result.stderr


class EnvHelpersTestCase:
    def test_it_reads_booleans_and_rejects_nonsense(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MH_FLAG", "yes")
        assert env_bool("MH_FLAG") is True
        monkeypatch.setenv("MH_FLAG", "off")
        assert env_bool("MH_FLAG", default=True) is False
        monkeypatch.setenv("MH_FLAG", "maybe")
        with pytest.raises(ImproperlyConfigured, match="MH_FLAG must be true or false"):
            env_bool("MH_FLAG")

    def test_it_reads_integers_and_names_the_variable_on_error(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert env_int("MH_MISSING", 7) == 7
        monkeypatch.setenv("MH_NUMBER", "12")
        assert env_int("MH_NUMBER", 7) == 12
        monkeypatch.setenv("MH_NUMBER", "twelve")
        with pytest.raises(ImproperlyConfigured, match="MH_NUMBER must be a whole number"):
            env_int("MH_NUMBER", 7)

    def test_it_splits_lists_on_commas(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MH_HOSTS", " a.example , b.example,, ")
        assert env_list("MH_HOSTS", []) == ["a.example", "b.example"]
        assert env_list("MH_UNSET", ["x"]) == ["x"]
