"""Admin of the signals app: the e-mail outbox of the notifications."""

from estafette.signals.notifications import admin as notifications_admin  # noqa: F401
