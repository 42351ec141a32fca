"""The caseload and the trajectory page with the holder's forms."""

from django.urls import path

from estafette.trajectories import views

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("trajectories/<int:pk>/", views.trajectory_detail, name="trajectory-detail"),
    path("trajectories/<int:pk>/route/", views.trajectory_route, name="trajectory-route"),
    path("trajectories/<int:pk>/release/", views.trajectory_release, name="trajectory-release"),
    path("trajectories/<int:pk>/phase/", views.trajectory_phase, name="trajectory-phase"),
    path(
        "trajectories/<int:pk>/domestic-entry/",
        views.trajectory_domestic_entry,
        name="trajectory-domestic-entry",
    ),
    path(
        "trajectories/<int:pk>/registration/",
        views.trajectory_registration,
        name="trajectory-registration",
    ),
    path(
        "trajectories/<int:pk>/next-step/", views.trajectory_next_step, name="trajectory-next-step"
    ),
]

urlpatterns += [
    path("caseload/reassign/", views.caseload_reassign, name="caseload-reassign"),
    path("caseload/close/", views.caseload_close_stale, name="caseload-close-stale"),
    path("trajectories/<int:pk>/assign/", views.trajectory_assign, name="trajectory-assign"),
    path("assignments/<int:pk>/end/", views.assignment_end_view, name="assignment-end"),
]
