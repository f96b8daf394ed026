from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mindhaven.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mindhaven.accounts import signals  # noqa: F401 (connects the receivers)
