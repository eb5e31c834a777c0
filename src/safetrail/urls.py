from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

urlpatterns = [
    path("", include("safetrail.safety.urls")),
    path("", include("safetrail.streetsafe.api_urls")),
]

urlpatterns += i18n_patterns(
    path("", include("safetrail.advice.urls")),
    path("", include("safetrail.accounts.urls")),
    path("", include("safetrail.diary.urls")),
    path("", include("safetrail.risk.urls")),
    path("", include("safetrail.evidence.urls")),
    path("", include("safetrail.streetsafe.urls")),
    prefix_default_language=False,
)

handler400 = "safetrail.safety.views.bad_request"
handler403 = "safetrail.safety.views.permission_denied"
handler404 = "safetrail.safety.views.page_not_found"
handler500 = "safetrail.safety.views.server_error"
