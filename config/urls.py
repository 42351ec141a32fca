from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("estafette.core.urls")),
    path("", include("estafette.trajectories.urls")),
    path("", include("estafette.people.urls")),
    path("", include("estafette.handovers.urls")),
    path("", include("estafette.consent.urls")),
    path("", include("estafette.access.urls")),
    path("", include("estafette.signals.notifications.urls")),
    path("", include("estafette.conditions.urls")),
    path("", include("estafette.signals.urls")),
    path("", include("estafette.norms.urls")),
    path("", include("estafette.visits.urls")),
    path("", include("estafette.organisations.urls")),
    path("", include("estafette.intake.urls")),
    path("", include("estafette.personal_plan.urls")),
    path("", include("estafette.portal.staff_urls")),
    path("my/", include("estafette.portal.urls")),
]
