"""The pages of an organisation's administrator, and the invitation's one-time link."""

from django.urls import path

from estafette.organisations import views

urlpatterns = [
    path("organisation/", views.organisation_members, name="organisation-members"),
    path("organisation/invite/", views.organisation_invite, name="organisation-invite"),
    path("organisation/members/<int:pk>/", views.organisation_member, name="organisation-member"),
    path(
        "organisation/members/<int:pk>/deactivate/",
        views.organisation_member_deactivate,
        name="organisation-member-deactivate",
    ),
    path(
        "organisation/members/<int:pk>/reactivate/",
        views.organisation_member_reactivate,
        name="organisation-member-reactivate",
    ),
    path(
        "organisation/members/<int:pk>/invitation/",
        views.organisation_member_resend,
        name="organisation-member-resend",
    ),
    path(
        "organisation/members/<int:pk>/second-factor/",
        views.organisation_member_second_factor,
        name="organisation-member-second-factor",
    ),
    path(
        "organisation/<int:pk>/details/",
        views.organisation_details,
        name="organisation-details",
    ),
    path("invitation/<str:uidb64>/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
