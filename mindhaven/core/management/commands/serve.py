import os
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

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

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
