"""The norms page of an organisation's administrator."""

from django.urls import path

from estafette.norms import views

urlpatterns = [
    path("norms/", views.norm_list, name="norm-list"),
    path("norms/<slug:code>/", views.norm_detail, name="norm-detail"),
]
