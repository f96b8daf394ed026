from django.contrib import admin
from django.urls import include, path

from mindhaven.accounts.views.language import choose_language
from mindhaven.api import api

urlpatterns = [
    path("", include("mindhaven.core.urls")),
    path("accounts/", include("mindhaven.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("mindhaven.notifications.urls")),
    path("mood/", include("mindhaven.mood.urls")),
    path("safety/", include("mindhaven.safety.urls")),
    path("care/", include("mindhaven.care.urls")),
    # Anyone may choose a language, signed in or not.
    path("i18n/setlang/", choose_language, name="set_language"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "mindhaven.core.views.page_not_found"
handler500 = "mindhaven.core.views.server_error"
