"""The person's own pages, under /my/ (issue #13)."""

from django.urls import path  # noqa: F401  (routes are added per feature)

app_name = "portal"

urlpatterns: list = []
