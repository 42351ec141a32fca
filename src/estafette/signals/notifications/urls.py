"""The notification pages; included at the site root from config/urls.py."""

from django.urls import path

from estafette.signals.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/settings/", views.notification_settings, name="notification-settings"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
]
