from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "safetrail.risk"
    label = "risk"
    verbose_name = "Risk"

    def ready(self) -> None:
        # A broken checklist stops start-up with a message, not a page later.
        from safetrail.risk import checklist

        checklist.configured()
