from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_not_required
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "core/help.html")


@login_not_required
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "core/offline.html")


@login_not_required
def manifest(request: HttpRequest) -> HttpResponse:
    return render(request, "core/manifest.webmanifest", content_type="application/manifest+json")


@login_not_required
def service_worker(request: HttpRequest) -> HttpResponse:
    return render(request, "core/sw.js", content_type="text/javascript")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
