from django.apps import AppConfig


class AdviceConfig(AppConfig):
    name = "safetrail.advice"
    label = "advice"
    verbose_name = "Advice"

    def ready(self) -> None:
        # Load the directory now so a broken data file stops start-up with a
        # message, instead of breaking one page for a visitor later.
        from safetrail.advice import directory

        directory.load_configured()
