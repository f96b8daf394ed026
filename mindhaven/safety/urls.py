from django.urls import path

from mindhaven.safety import views

app_name = "safety"

urlpatterns = [
    path("plan/", views.plan, name="plan"),
    path("plan/edit/", views.edit_plan, name="edit-plan"),
    path("plan/download/", views.download_plan, name="download-plan"),
    path("support/", views.support, name="support"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/notify/", views.notify_clinician, name="notify"),
    path("alerts/<uuid:code>/acknowledge/", views.acknowledge, name="acknowledge"),
]
