from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "estafette.core"
    label = "core"
    verbose_name = "Estafette core"

    def ready(self) -> None:
        import datetime as dt

        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from estafette.core import clock, sessions, signin

        if settings.ESTAFETTE_TODAY:
            clock.freeze(dt.date.fromisoformat(settings.ESTAFETTE_TODAY))

        # Sign-in bookkeeping, not business logic: the audit trail of failed
        # passwords and the clocks of a new session.
        user_login_failed.connect(
            signin.sign_in_failed_record, dispatch_uid="estafette-login-failed"
        )
        user_logged_in.connect(sessions.session_start, dispatch_uid="estafette-session-start")
