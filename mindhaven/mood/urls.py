from django.urls import path

from mindhaven.mood import views

app_name = "mood"

urlpatterns = [
    path("", views.home, name="home"),
    path("check-in/", views.check_in, name="check-in"),
    path("check-in/shell/", views.check_in_shell, name="check-in-shell"),
    path("entries/", views.entries, name="entries"),
    path("calendar/", views.calendar, name="calendar"),
    path("trends/", views.trends, name="trends"),
    path("entries/<uuid:code>/edit/", views.edit_entry, name="edit-entry"),
    path("entries/<uuid:code>/delete/", views.delete_entry, name="delete-entry"),
    path("insights/", views.insights, name="insights"),
    path("import/", views.import_daylio, name="import"),
    path("import/preview/", views.import_daylio_preview, name="import-preview"),
    path("import/done/", views.import_daylio_done, name="import-done"),
]
urlpatterns += [
    path("settings/", views.mood_settings, name="settings"),
    path("lists/", views.lists, name="lists"),
    path("reminders/snooze/", views.snooze_reminder, name="snooze"),
    path("clients/<uuid:code>/", views.client_entries, name="client-entries"),
]
