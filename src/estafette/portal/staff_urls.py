"""The one professional page of the portal app: printing a paper sign-in code (issue #13)."""

from django.urls import path

from estafette.portal import printout_views, views

urlpatterns = [
    path(
        "trajectories/<int:pk>/person/sign-in-code/",
        views.paper_code,
        name="person-sign-in-code",
    ),
    path(
        "trajectories/<int:pk>/person/print.pdf",
        printout_views.person_printout,
        name="person-printout",
    ),
]
