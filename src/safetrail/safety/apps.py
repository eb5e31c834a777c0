from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safetrail.safety"
    label = "safety"
    verbose_name = "Safety shell"
