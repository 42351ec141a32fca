"""The people register's pages."""

from django.urls import path

from estafette.people import views

urlpatterns = [
    path("people/search/", views.people_search, name="people-search"),
    # A person's details and network, on one of their trajectories (issue 12).
    path("trajectories/<int:pk>/person/", views.person_details, name="person-details"),
    path("trajectories/<int:pk>/person/contact/", views.person_contact, name="person-contact"),
    path("trajectories/<int:pk>/person/profile/", views.person_profile, name="person-profile"),
    path("trajectories/<int:pk>/person/markers/", views.person_markers, name="person-markers"),
    path(
        "trajectories/<int:pk>/person/identifiers/",
        views.person_identifier_add,
        name="person-identifier-add",
    ),
    path(
        "trajectories/<int:pk>/person/identifiers/<int:identifier_pk>/remove/",
        views.person_identifier_remove,
        name="person-identifier-remove",
    ),
    path(
        "trajectories/<int:pk>/person/network/",
        views.network_member_add,
        name="network-member-add",
    ),
    path(
        "trajectories/<int:pk>/person/network/<int:member_pk>/",
        views.network_member_edit,
        name="network-member-edit",
    ),
    path(
        "trajectories/<int:pk>/person/network/<int:member_pk>/remove/",
        views.network_member_remove,
        name="network-member-remove",
    ),
    path(
        "trajectories/<int:pk>/person/contact-person/",
        views.contact_person,
        name="contact-person",
    ),
]
