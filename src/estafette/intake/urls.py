"""The intake pages (issue 12); included at the site root."""

from django.urls import path

from estafette.intake import views

urlpatterns = [
    path("intake/", views.intake_start, name="intake-start"),
    path("intake/merge/", views.person_merge_view, name="intake-merge"),
    path("intake/ask-for-a-part/", views.part_request_ask_view, name="intake-ask-for-part"),
    path("intake/<str:kind>/", views.intake_find, name="intake-find"),
    path("intake/<str:kind>/new/", views.intake_new, name="intake-new"),
    path("intake/<str:kind>/continue/<int:pk>/", views.intake_continue, name="intake-continue"),
]
