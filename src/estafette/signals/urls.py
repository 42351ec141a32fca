"""The signal inbox, one signal, and the addressee's actions on it."""

from django.urls import path

from estafette.signals import views

urlpatterns = [
    path("signals/", views.signal_inbox, name="signal-inbox"),
    path("signals/<int:pk>/", views.signal_detail, name="signal-detail"),
    path("signals/<int:pk>/acknowledge/", views.signal_acknowledge, name="signal-acknowledge"),
    path("signals/<int:pk>/snooze/", views.signal_snooze, name="signal-snooze"),
    path("signals/<int:pk>/resolve/", views.signal_resolve, name="signal-resolve"),
]
