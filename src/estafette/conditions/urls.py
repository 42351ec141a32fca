"""Recording a basic condition (the panel itself is part of the trajectory page)."""

from django.urls import path

from estafette.conditions import views

urlpatterns = [
    path(
        "trajectories/<int:pk>/conditions/<slug:condition>/",
        views.condition_record_view,
        name="condition-record",
    ),
]
