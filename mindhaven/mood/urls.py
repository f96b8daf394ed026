from django.urls import path

from mindhaven.mood.views import checkin, clinician, daylio, history, insights, preferences

app_name = "mood"

urlpatterns = [
    path("", checkin.home, name="home"),
    path("check-in/", checkin.check_in, name="check-in"),
    path("check-in/shell/", checkin.check_in_shell, name="check-in-shell"),
    path("entries/", history.entries, name="entries"),
    path("calendar/", history.calendar, name="calendar"),
    path("trends/", history.trends, name="trends"),
    path("entries/<uuid:code>/edit/", history.edit_entry, name="edit-entry"),
    path("entries/<uuid:code>/delete/", history.delete_entry, name="delete-entry"),
    path("insights/", insights.insights, name="insights"),
    path("import/", daylio.import_daylio, name="import"),
    path("import/preview/", daylio.import_daylio_preview, name="import-preview"),
    path("import/done/", daylio.import_daylio_done, name="import-done"),
    path("settings/", preferences.mood_settings, name="settings"),
    path("lists/", preferences.lists, name="lists"),
    path("reminders/snooze/", preferences.snooze_reminder, name="snooze"),
    path("clients/<uuid:code>/", clinician.client_entries, name="client-entries"),
]
