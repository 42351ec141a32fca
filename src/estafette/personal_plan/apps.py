from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonalPlanConfig(AppConfig):
    name = "estafette.personal_plan"
    label = "personal_plan"
    verbose_name = _("The person's own plan")
