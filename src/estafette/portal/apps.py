from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "estafette.portal"
    label = "portal"
    verbose_name = _("The person's own pages")

    def ready(self) -> None:
        # The holder of a file on which the home front wrote sees it rise in its caseload
        # (core.attention; portal.home_front).
        from estafette.core import attention
        from estafette.portal.home_front import home_front_attention_q

        attention.on_attention(home_front_attention_q)
