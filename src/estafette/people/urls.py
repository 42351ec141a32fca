"""The people register's pages."""

from django.urls import path

from estafette.people import views

urlpatterns = [
    path("people/search/", views.people_search, name="people-search"),
]
