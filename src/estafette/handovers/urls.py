"""Starting a handover and moving it through its states."""

from django.urls import path

from estafette.handovers import views

urlpatterns = [
    path("trajectories/<int:pk>/handover/", views.handover_start, name="handover-start"),
    path(
        "handovers/<int:pk>/acknowledge/",
        views.handover_acknowledge,
        name="handover-acknowledge",
    ),
    path(
        "handovers/<int:pk>/<str:action>/",
        views.handover_transition_view,
        name="handover-transition",
    ),
]
