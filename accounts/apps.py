from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from accounts import checks, signals  # noqa: F401 - connects the receivers, registers the checks
        from accounts.passkeys import checks as passkey_checks  # noqa: F401 - registers the passkey checks
