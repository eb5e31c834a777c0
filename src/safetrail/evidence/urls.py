from django.urls import path

from safetrail.evidence import views

app_name = "evidence"

_ITEM = "diary/<uuid:case_id>/evidence/<uuid:item_id>/"

urlpatterns = [
    path("diary/<uuid:case_id>/evidence/", views.locker, name="locker"),
    path("diary/<uuid:case_id>/evidence/add/", views.upload, name="upload"),
    path("diary/<uuid:case_id>/evidence/physical/", views.physical, name="physical"),
    path("diary/<uuid:case_id>/custody-log/", views.custody, name="custody"),
    path(_ITEM, views.item, name="item"),
    path(_ITEM + "view/", views.view, name="view"),
    path(_ITEM + "download/", views.download, name="download"),
    path(_ITEM + "preview/", views.preview, name="preview"),
    path(_ITEM + "delete/", views.delete, name="delete"),
]
