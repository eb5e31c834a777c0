from django.urls import path

from safetrail.diary import views

app_name = "diary"

urlpatterns = [
    path("diary/", views.home, name="home"),
    path("diary/new/", views.case_new, name="case_new"),
    path("diary/<uuid:case_id>/", views.case, name="case"),
    path("diary/<uuid:case_id>/quick/", views.quick_log, name="quick_log"),
    path("diary/<uuid:case_id>/incidents/new/", views.incident_new, name="incident_new"),
    path("diary/<uuid:case_id>/incidents/<uuid:incident_id>/", views.incident, name="incident"),
    path(
        "diary/<uuid:case_id>/incidents/<uuid:incident_id>/amend/",
        views.incident_amend,
        name="incident_amend",
    ),
    path("diary/<uuid:case_id>/suspect/", views.suspect, name="suspect"),
    path("diary/<uuid:case_id>/daily-life/", views.daily_life, name="daily_life"),
    path("diary/<uuid:case_id>/unsafe/", views.unsafe, name="unsafe"),
]
