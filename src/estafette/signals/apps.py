from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    # The module is estafette.signals; nothing here shadows django.db.models.signals.
    name = "estafette.signals"
    label = "signals"
    verbose_name = _("Signals")

    def ready(self) -> None:
        # The signals app listens to what the feature apps tell core; they never import it
        # (decision 0015): every committed change is evaluated again, every handover step
        # is notified.
        from estafette.core import attention, changes
        from estafette.signals.notifications.schedule import notify_handover_steps
        from estafette.signals.schedule import evaluate_changes
        from estafette.signals.selectors import open_signals_q

        changes.on_trajectory_changed(evaluate_changes)
        changes.on_handover_step_recorded(notify_handover_steps)
        # The caseload's "what needs action first" counts open signals too (issue 12).
        attention.on_attention(open_signals_q)
