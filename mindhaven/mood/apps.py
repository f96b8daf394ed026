from django.apps import AppConfig


class MoodConfig(AppConfig):
    name = "mindhaven.mood"
    label = "mood"
    default_auto_field = "django.db.models.BigAutoField"
