"""Recording contacts and volunteer requests from the trajectory page."""

from django.urls import path

from estafette.visits import views

urlpatterns = [
    path("trajectories/<int:pk>/contacts/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/withdraw/", views.contact_withdraw_view, name="contact-withdraw"),
    path(
        "trajectories/<int:pk>/volunteer-request/",
        views.volunteer_request_create,
        name="volunteer-request-create",
    ),
    path(
        "volunteer-requests/<int:pk>/answer/",
        views.volunteer_request_answer_view,
        name="volunteer-request-answer",
    ),
]
