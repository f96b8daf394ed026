"""The `mindhaven` command as a newcomer runs it: a real process, its own data directory."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from mindhaven.accounts.demo import PERSONAS

REPO_DIR = Path(__file__).resolve().parents[3]


class CliTestCase(SimpleTestCase):
    def setUp(self) -> None:
        super().setUp()
        tmp = tempfile.TemporaryDirectory(prefix="mh-cli-")
        self.addCleanup(tmp.cleanup)
        self.data_dir = Path(tmp.name)

    def mindhaven(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            # A fresh shell: none of the test run's own configuration leaks in.
            if not key.startswith(("MINDHAVEN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))
        }
        environment.update(
            {
                "MINDHAVEN_DATA_DIR": str(self.data_dir),
                "DATABASE_URL": f"sqlite:///{self.data_dir / 'x.sqlite3'}",
                **env,
            }
        )
        result = subprocess.run(
            [sys.executable, "-m", "mindhaven", *args],
            cwd=REPO_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.assertEqual(result.returncode, 0, f"{args}:\n{result.stdout}\n{result.stderr}")
        return result

    def test_it_lists_serve_worker_and_demo(self) -> None:
        out = self.mindhaven("--help").stdout
        commands = {line.strip() for line in out.splitlines() if line.startswith("    ")}
        self.assertLessEqual({"serve", "worker", "demo", "migrate"}, commands, out)

    def test_it_describes_the_options_of_serve(self) -> None:
        out = self.mindhaven("serve", "--help").stdout
        self.assertIn("uvicorn", out)
        for option in ("--host", "--port", "--workers", "--reload"):
            self.assertIn(option, out)

    def test_it_creates_the_demo_on_a_fresh_database_and_prints_the_logins(self) -> None:
        self.mindhaven("migrate", "--no-input")
        self.assertTrue((self.data_dir / "x.sqlite3").exists())
        out = self.mindhaven("demo").stdout
        self.assertIn(f"password {settings.DEMO_PASSWORD_DEFAULT}", out)
        logins = [line.split() for line in out.splitlines() if line.startswith("  ")]
        self.assertEqual(
            [(words[0], words[1]) for words in logins],
            [(persona.username, persona.role) for persona in PERSONAS],
        )
        self.assertEqual(len(logins), 5)
        # The generated secret key went to the given data directory, not the repository.
        self.assertTrue((self.data_dir / "secret_key").exists())
