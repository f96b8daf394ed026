from django.urls import path

from mindhaven.core import health, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("offline/", views.offline, name="offline"),
    path("trust/", views.trust, name="trust"),
    path("healthz", health.healthz, name="healthz"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
]
