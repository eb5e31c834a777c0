"""The JSON API, outside the language prefix (api.py; described by openapi.json)."""

from django.urls import path

from safetrail.streetsafe import api

app_name = "streetsafe_api"

urlpatterns = [
    path("api/street-safe/v1/openapi.json", api.openapi, name="openapi"),
    path("api/street-safe/v1/challenge", api.challenge, name="challenge"),
    path("api/street-safe/v1/reports", api.reports, name="reports"),
    path("api/street-safe/v1/cells", api.public_cells, name="cells"),
    path("api/street-safe/v1/actions", api.public_actions, name="actions"),
    path("api/street-safe/v1/analysis/cells", api.analysis_cells, name="analysis_cells"),
    path("api/street-safe/v1/analysis/hotspots", api.analysis_hotspots, name="analysis_hotspots"),
    path("api/street-safe/v1/analysis/trend", api.analysis_trend, name="analysis_trend"),
]
