"""Admin: the e-mail outbox, read-only, so administrators see what failed and why.

A failed message can be put back in the queue ("Try again"); nothing else in
a message can be changed. Notifications and preferences are not here: they
are each user's own, changed on their own pages.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from estafette.core import clock
from estafette.core.admin_site import ReadOnlyAdmin
from estafette.signals.notifications.models import EmailState, OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "to_address",
        "kind",
        "digest_date",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("state", "kind")
    search_fields = ("to_address",)
    ordering = ("-created_at", "-id")
    actions = ("retry",)

    @admin.action(description=_("Try again (failed messages only)"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        count = queryset.filter(state=EmailState.FAILED).update(
            state=EmailState.PENDING, attempts=0, next_attempt_at=clock.now()
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d message is back in the queue.",
                "%(count)d messages are back in the queue.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
