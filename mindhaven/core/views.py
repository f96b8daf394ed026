import hashlib
import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

import mindhaven
from mindhaven.accounts.countries import COUNTRIES, country_choices
from mindhaven.safety import resources

logger = logging.getLogger(__name__)

# Static files the service worker keeps for offline use: the app shell.
SHELL_STATIC = (
    "core/site.css",
    "core/app.js",
    "core/icons/icon.svg",
    "core/icons/icon-192.png",
    "core/icons/icon-512.png",
    "core/icons/icon-maskable-512.png",
    "mood/mood.css",
    "mood/checkin.js",
    "mood/queue.js",
)
# Public pages cached (as an anonymous visitor, in the person's language).
SHELL_PAGES = ("core:help", "core:offline", "mood:check-in-shell")
SHELL_TEMPLATES = (
    "base.html",
    "core/help.html",
    "core/offline.html",
    "mood/check_in_shell.html",
    "mood/outbox_status.html",
)
# Signed-in pages served, when the network fails, by a public stand-in from the cache.
SHELL_FALLBACKS = {"mood:check-in": "mood:check-in-shell"}


@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_not_required
@require_safe
def help_page(request: HttpRequest) -> HttpResponse:
    """Crisis lines for the visitor's country: ?country=XX, else the member's country
    setting, else the region of Accept-Language; then lines in the page's language."""
    chosen = request.GET.get("country", "").strip().upper()
    if chosen not in COUNTRIES:
        chosen = ""
    user = request.user
    member_country = getattr(user, "country", "") if user.is_authenticated else ""
    country = chosen or member_country
    if not country and not user.is_authenticated:
        country = resources.country_from_accept_language(request.headers.get("Accept-Language", ""))
    country = country if country in COUNTRIES else ""
    found = resources.lines_for(country, get_language() or "en")
    groups: dict[str, list[resources.Line]] = {}
    for line in found:
        if line.kind == "line":
            groups.setdefault(line.country, []).append(line)
    context = {
        "country": country,
        "country_name": COUNTRIES.get(country, ""),
        "has_own_lines": country in groups,
        "groups": [(COUNTRIES.get(code, code), lines) for code, lines in groups.items()],
        "directory": resources.directory(),
        "countries": country_choices(),
    }
    return render(request, "core/help.html", context)


@login_not_required
@require_safe
def trust(request: HttpRequest) -> HttpResponse:
    return render(request, "core/trust.html", {"relay_only": settings.MINDHAVEN_ICE_RELAY_ONLY})


@login_not_required
@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "core/offline.html")


@login_not_required
@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    icons = [
        {"src": static("core/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        {"src": static("core/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("core/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("core/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    data = {
        "id": "/",
        "name": "Mindhaven",
        "short_name": "Mindhaven",
        "description": _("A calm, private place for mental-health support."),
        "lang": get_language(),
        "dir": "rtl" if get_language_bidi() else "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": "#2f6b5e",
        "background_color": "#f7f5f0",
        "categories": ["health", "medical", "lifestyle"],
        "icons": icons,
        "shortcuts": [{"name": _("Get help now"), "url": reverse("core:help")}],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/manifest+json; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from / so that its scope is the whole site.

    The cache name changes whenever a precached file, page template, the
    version or the language changes, so each deploy (hashed static URLs)
    and each language switch installs a fresh worker.
    """
    static_urls = [static(path) for path in SHELL_STATIC]
    page_urls = [reverse(name) for name in SHELL_PAGES]
    language = get_language()
    digest = hashlib.sha256()
    for part in [mindhaven.__version__, language, *static_urls, *page_urls]:
        digest.update(part.encode())
    for name in SHELL_TEMPLATES:
        digest.update(loader.get_template(name).template.source.encode())  # type: ignore[attr-defined]
    digest.update(resources.data_digest().encode())  # the crisis lines on /help/
    context = {
        "cache_name": f"mindhaven-{digest.hexdigest()[:16]}",
        "language": language,
        "static_urls": json.dumps(static_urls),
        "page_urls": json.dumps(page_urls),
        "offline_url": json.dumps(reverse("core:offline")),
        "fallbacks": json.dumps(
            {reverse(page): reverse(stand_in) for page, stand_in in SHELL_FALLBACKS.items()}
        ),
    }
    response = render(request, "core/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Vary"] = "Cookie, Accept-Language"
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path_info.startswith("/api/"):  # API clients get JSON, like /api/v1/ itself
        return JsonResponse({"detail": f"no API endpoint at {request.path}"}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the error may come from the database or the session.
    try:
        body = loader.get_template("500.html").render()
    except Exception:
        logger.exception("the 500 page itself failed to render")
        body = "<!doctype html><title>Mindhaven</title><h1>Server error</h1>"
    return HttpResponseServerError(body)
