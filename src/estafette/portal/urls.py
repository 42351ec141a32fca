"""The person's own pages, under /my/ (issue #13)."""

from django.urls import path

from estafette.portal import printout_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("code/", views.enter_code, name="code"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("print.pdf", printout_views.my_printout, name="print"),
]
