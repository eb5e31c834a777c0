from django.urls import path

from safetrail.risk import views

app_name = "risk"

urlpatterns = [
    path("diary/<uuid:case_id>/risk/", views.start, name="start"),
    path("diary/<uuid:case_id>/risk/check/", views.check, name="check"),
    path("diary/<uuid:case_id>/risk/results/<uuid:screening_id>/", views.result, name="result"),
    path("diary/<uuid:case_id>/risk/history/", views.history, name="history"),
    path("diary/<uuid:case_id>/risk/asked-to-stop/", views.stop_date, name="stop_date"),
    path("diary/<uuid:case_id>/safety-plan/", views.safety_plan, name="safety_plan"),
    path(
        "diary/<uuid:case_id>/safety-plan/print/",
        views.safety_plan_print,
        name="safety_plan_print",
    ),
]
