from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "safetrail.evidence"
    label = "evidence"
    verbose_name = "Evidence locker"
