from django.urls import path

from mindhaven.accounts import views
from mindhaven.accounts.views import access_log

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.create_token, name="create-token"),
    path("profile/tokens/<uuid:code>/revoke/", views.revoke_token, name="revoke-token"),
    path("access-log/", access_log.access_log, name="access-log"),
]
