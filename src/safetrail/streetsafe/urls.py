from django.urls import path

from safetrail.streetsafe import views_analysis, views_moderation, views_public, views_report

app_name = "streetsafe"

urlpatterns = [
    # Anyone, no account (views_report.py)
    path("street-safe/", views_report.home, name="home"),
    path("street-safe/report/", views_report.place, name="report_place"),
    path("street-safe/report/details/", views_report.details, name="report_details"),
    path("street-safe/report/check/", views_report.check, name="report_check"),
    path("street-safe/report/send/", views_report.send, name="report_send"),
    path("street-safe/report/thank-you/", views_report.done, name="report_done"),
    # The public map, its table and exports (views_public.py)
    path("street-safe/map/", views_public.map_page, name="map"),
    path("street-safe/map/table/", views_public.table, name="table"),
    path("street-safe/map/cells.csv", views_public.cells_csv, name="public_csv"),
    path("street-safe/map/cells.geojson", views_public.cells_geojson, name="public_geojson"),
    path("street-safe/api/", views_public.api_docs, name="api_docs"),
    # Moderators (views_moderation.py)
    path("street-safe/moderate/", views_moderation.queue, name="moderation"),
    path("street-safe/moderate/log/", views_moderation.log, name="moderation_log"),
    path("street-safe/moderate/reports/", views_moderation.reports, name="moderation_reports"),
    path(
        "street-safe/moderate/reports/<uuid:report_id>/",
        views_moderation.report,
        name="moderate_report",
    ),
    # Analysts (views_analysis.py)
    path("street-safe/analysis/", views_analysis.dashboard, name="dashboard"),
    path("street-safe/analysis/hotspots/", views_analysis.hotspots_page, name="hotspots"),
    path("street-safe/analysis/actions/", views_analysis.actions, name="actions"),
    path(
        "street-safe/analysis/actions/<uuid:action_id>/",
        views_analysis.action_detail,
        name="action_detail",
    ),
    path("street-safe/analysis/police-data/", views_analysis.police_data, name="police_data"),
    path("street-safe/analysis/export/cells.csv", views_analysis.cells_csv, name="analyst_csv"),
    path(
        "street-safe/analysis/export/cells.geojson",
        views_analysis.cells_geojson,
        name="analyst_geojson",
    ),
    path("street-safe/analysis/export/points.csv", views_analysis.points_csv, name="points_csv"),
    path(
        "street-safe/analysis/export/points.geojson",
        views_analysis.points_geojson,
        name="points_geojson",
    ),
]
