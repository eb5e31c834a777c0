from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safetrail.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from safetrail.accounts import signals  # noqa: F401  (connects the receivers)
