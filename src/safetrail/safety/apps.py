from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safetrail.safety"
    label = "safety"
    verbose_name = "Safety shell"

    def ready(self) -> None:
        from safetrail.safety import checks  # noqa: F401  (registers the checks)
