from django.contrib import admin
from django.urls import include, path

from mindhaven.api import api

urlpatterns = [
    path("", include("mindhaven.core.urls")),
    path("accounts/", include("mindhaven.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("mindhaven.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "mindhaven.core.views.page_not_found"
handler500 = "mindhaven.core.views.server_error"
