"""The contact person's own page under /my/home-front/ (issue 13; in the ``portal`` namespace
through portal/urls.py)."""

from django.urls import path

from estafette.portal import home_front_views

urlpatterns = [
    path("home-front/", home_front_views.home_front_page, name="home-front"),
    path("home-front/message/", home_front_views.home_front_message, name="home-front-message"),
    path("home-front/children/", home_front_views.home_front_child, name="home-front-child"),
]
