"""The person's own pages, under /my/ (issue #13)."""

from django.urls import path

from estafette.portal import printout_views, views
from estafette.portal.home_front_urls import urlpatterns as home_front_urlpatterns

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("code/", views.enter_code, name="code"),
    path("sign-out/", views.sign_out, name="sign-out"),
    *home_front_urlpatterns,  # /my/home-front/ (the contact person's page, portal.home_front)
    path("print.pdf", printout_views.my_printout, name="print"),
]
