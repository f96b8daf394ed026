from django.urls import path

from mindhaven.accounts import views
from mindhaven.accounts.views import access_log, care, privacy

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.create_token, name="create-token"),
    path("profile/tokens/<uuid:code>/revoke/", views.revoke_token, name="revoke-token"),
    path("access-log/", access_log.access_log, name="access-log"),
    path("privacy/agree/", care.privacy_agree, name="privacy-agree"),
    path("clinicians/", care.clinicians, name="clinicians"),
    path("clinicians/<uuid:code>/link/", care.link_clinician, name="link-clinician"),
    path("sharing/", care.sharing, name="sharing"),
    path("sharing/<uuid:code>/", care.share, name="share"),
    path("sharing/<uuid:code>/end/", care.end_link, name="end-link"),
    path("invite/<str:token>/", care.accept_invite, name="accept-invite"),
    path("clients/", care.clients, name="clients"),
    path("clients/invite/", care.create_invite, name="create-invite"),
    path("export/", privacy.export, name="export"),
    path("export/<uuid:code>/", privacy.export_status, name="export-status"),
    path("export/<uuid:code>/download/", privacy.download_export, name="export-download"),
    path("delete/", privacy.delete_account, name="delete"),
    path("goodbye/", privacy.goodbye, name="goodbye"),
]
