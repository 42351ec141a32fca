"""Who is signed in to the person's own pages: the person, or their contact person.

A :class:`Subject` is the portal's counterpart of :class:`core.actor.Actor`. It is
kept in the session under :data:`SESSION_KEY` (ids only) and rebuilt on every
request by :func:`subject_from_request`, so a contact person who stops being the
contact person, or a person whose record is gone, is signed out on the next click.

Contract:

* :func:`subject_required` lets a view run only with a subject (``request.subject``);
  anyone else is sent to the portal's sign-in page. A staff user's session is never
  a subject, and a subject's session never carries a staff user.
* Every read of the person's data by a subject is audited through :func:`subject_audit`
  (``actor`` empty, ``person_id`` the person, ``subject`` the kind and, for a contact
  person, ``member_id``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from estafette.core.audit import audit_record
from estafette.core.models import AuditAction, AuditEvent
from estafette.people.models import NetworkMember, Person
from estafette.portal import session_limits

SESSION_KEY = "portal_subject"
"""The session key holding ``{"kind", "person_id", "member_id"}`` of a signed-in subject."""


class SubjectKind(StrEnum):
    PERSON = "person"
    CONTACT_PERSON = "contact_person"


@dataclass(frozen=True)
class Subject:
    """The person themself, or the one contact person of their home front."""

    kind: SubjectKind
    person: Person
    member: NetworkMember | None = None
    """The network member signed in, when ``kind`` is CONTACT_PERSON (else None)."""

    @property
    def is_person(self) -> bool:
        return self.kind == SubjectKind.PERSON

    @property
    def is_contact_person(self) -> bool:
        return self.kind == SubjectKind.CONTACT_PERSON

    def session_value(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "person_id": self.person.pk,
            "member_id": self.member.pk if self.member is not None else None,
        }


def subject_from_session(value: Any) -> Subject | None:
    """The subject a session value names, if it still holds; None otherwise.

    A contact person holds only while that network member is still the person's
    designated contact person (``is_contact_person``).
    """
    if not isinstance(value, dict):
        return None
    try:
        kind = SubjectKind(str(value.get("kind")))
        person_id = int(value["person_id"])
    except (KeyError, TypeError, ValueError):
        return None
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return None
    if kind == SubjectKind.PERSON:
        return Subject(kind=kind, person=person)
    member = NetworkMember.objects.filter(
        pk=value.get("member_id") or 0, person=person, is_contact_person=True
    ).first()
    if member is None:
        return None
    return Subject(kind=kind, person=person, member=member)


def subject_from_request(request: HttpRequest) -> Subject | None:
    """The subject signed in on this request's session (read once per request)."""
    if hasattr(request, "_portal_subject"):
        cached: Subject | None = request._portal_subject
        return cached
    subject = subject_from_session(request.session.get(SESSION_KEY))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        subject = None  # a staff session is never a subject (shared computers)
    elif subject is not None and not session_limits.holds(request):
        subject = None  # past the portal's idle or total limit: the session is flushed
    request._portal_subject = subject  # type: ignore[attr-defined]
    return subject


def subject_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run ``view`` only for a signed-in subject (``request.subject``); else to sign-in."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subject = subject_from_request(request)
        if subject is None:
            request.session.pop(SESSION_KEY, None)
            return redirect("portal:sign-in")
        request.subject = subject  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def subject_audit(
    subject: Subject,
    action: str | AuditAction,
    *,
    object_type: str = "",
    object_id: object = "",
    **detail: Any,
) -> AuditEvent:
    """Audit what a subject did or read: no staff actor, the person's id, who of them."""
    if subject.member is not None:
        detail["member_id"] = subject.member.pk
    return audit_record(
        actor=None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        person_id=subject.person.pk,
        subject=str(subject.kind),
        **detail,
    )
