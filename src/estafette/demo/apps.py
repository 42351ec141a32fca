from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "estafette.demo"
    label = "demo"
    verbose_name = "Demo data"
