"""Front door, login (password, then the second factor) and logout."""

from django.urls import path

from estafette.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("login/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
]
