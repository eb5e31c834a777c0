from django.urls import path

from safetrail.advice import views

app_name = "advice"

urlpatterns = [
    path("", views.home, name="home"),
    path("in-danger/", views.in_danger, name="in_danger"),
    path("leaving-quickly/", views.leaving_quickly, name="leaving_quickly"),
    path("support/", views.support_services, name="support"),
    path("advice/<slug:slug>/", views.advice_page, name="page"),
]
