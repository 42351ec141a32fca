"""Admin of the signals app: the trajectories whose signals could not be evaluated, and the
e-mail outbox of the notifications.

Both read-only: administrators see what went wrong and since when; the next
run tries again by itself (docs/background-work.md, "Faults stay local").
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from estafette.core.admin_site import ReadOnlyAdmin
from estafette.signals.models import EvaluationFailure
from estafette.signals.notifications import admin as notifications_admin  # noqa: F401


@admin.register(EvaluationFailure)
class EvaluationFailureAdmin(ReadOnlyAdmin):
    """The list of trajectories whose signals could not be evaluated, with the error.

    Shows the trajectory's number only, never the person's name: the error is
    for whoever maintains the system, not a view of a file.
    """

    list_display = ("trajectory_number", "error", "attempts", "first_failed_at", "last_failed_at")
    fields = (
        "trajectory_number",
        "error",
        "attempts",
        "first_failed_at",
        "last_failed_at",
        "traceback",
    )
    readonly_fields = fields
    search_fields = ("=trajectory__id", "error")
    ordering = ("-last_failed_at", "trajectory_id")

    @admin.display(description=_("trajectory"), ordering="trajectory_id")
    def trajectory_number(self, obj: EvaluationFailure) -> str:
        return f"#{obj.trajectory_id}"
