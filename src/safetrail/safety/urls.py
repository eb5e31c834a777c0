from django.urls import path

from safetrail.safety import views

app_name = "safety"

# Language-neutral: the exit must work from any page in any language.
urlpatterns = [
    path("exit/", views.quick_exit, name="exit"),
    path("health/", views.health, name="health"),
]
