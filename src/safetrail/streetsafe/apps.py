from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StreetSafeConfig(AppConfig):
    name = "safetrail.streetsafe"
    label = "streetsafe"
    verbose_name = _("Street Safe")

    def ready(self) -> None:
        from safetrail.streetsafe import checks  # noqa: F401 - registers the checks
