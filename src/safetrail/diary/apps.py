from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "safetrail.diary"
    label = "diary"
    verbose_name = "Diary"
