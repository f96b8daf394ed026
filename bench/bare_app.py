"""A bare Django ASGI app: one view that returns a fixed body, no middleware, no apps.

bench/pages.py serves it with the same uvicorn as the site to compare the home page's
requests per second with the floor cost of Django itself. The body comes from the file
named by BENCH_BODY_FILE (the home page's bytes, captured in the same run).
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("", bare), path("healthz", healthz)]

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-secret",  # noqa: S106 (never deployed)
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_I18N=False,
)
application = get_asgi_application()
