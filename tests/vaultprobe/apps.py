from django.apps import AppConfig


class VaultProbeConfig(AppConfig):
    name = "tests.vaultprobe"
    label = "vaultprobe"
