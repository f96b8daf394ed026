import atexit
import os
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

LOOPBACK_ADDRESSES = {"127.0.0.1", "::1"}


class Command(BaseCommand):
    help = "Serve Mindhaven over HTTP and websockets with uvicorn (ASGI)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "1")))
        parser.add_argument("--reload", action="store_true", help="restart on code changes")
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run `mindhaven worker` (tasks and periodic jobs) beside the server",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        if options["with_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "mindhaven", "worker"])
            atexit.register(_stop, worker)
            self.stdout.write(f"Background worker started (process {worker.pid})")
        self.stdout.write(f"Mindhaven at http://{options['host']}:{options['port']}/")
        if options["host"] in LOOPBACK_ADDRESSES:
            # Browsers refuse an IP address as a WebAuthn relying party.
            self.stdout.write(f"  (for passkeys open http://localhost:{options['port']}/)")
        uvicorn.run(
            "mindhaven.config.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            reload=options["reload"],
            proxy_headers=True,
            lifespan="off",
            log_level="info",
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
