from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "estafette.core"
    label = "core"
    verbose_name = "Estafette core"

    def ready(self) -> None:
        import datetime as dt

        from django.conf import settings

        from estafette.core import clock

        if settings.ESTAFETTE_TODAY:
            clock.freeze(dt.date.fromisoformat(settings.ESTAFETTE_TODAY))
