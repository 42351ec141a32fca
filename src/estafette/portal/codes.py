"""One-time sign-in codes: asking for one, handing one on paper, and signing in with one.

Decision 0019. The rules, in one place:

* **Short codes** (6 digits) go by e-mail or text message to an address on file — the
  person's own (``Person.email``/``phone``) or their designated contact person's
  (``NetworkMember`` with ``is_contact_person``). They hold :data:`SHORT_CODE_MINUTES`
  minutes and only in the browser session that asked (the hash covers the session's
  challenge), so guessing 6 digits from elsewhere finds nothing.
* **Paper codes** (:data:`PAPER_CODE_LENGTH` characters of :data:`PAPER_ALPHABET`, no
  look-alikes) are printed by a professional with a part in the person's trajectory. They
  hold :data:`PAPER_CODE_DAYS` days and work in any browser.
* Every code works **once**; a new code of the same subject and kind voids the older ones.
* **Throttling** (database rows, :class:`portal.models.SignInThrottle`, so every worker
  process counts the same): at most :data:`MAX_ATTEMPTS_PER_CODE` wrong codes against the
  codes of one session, :data:`MAX_CODES_PER_ADDRESS` codes sent to one address, and
  :data:`MAX_REQUESTS_PER_CLIENT` requests and :data:`MAX_FAILURES_PER_CLIENT` wrong codes
  from one client address, each per :data:`THROTTLE_WINDOW`.
* **Nothing tells whether an address is known**: asking for a code answers the same
  whatever matched (the view), and whatever happens behind it is audited here — never the
  code or the address, only which person (when known), the channel and the reason.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from estafette.access import policy
from estafette.core import clock
from estafette.core.actor import Actor
from estafette.core.audit import audit_record
from estafette.core.data_classes import DataClass
from estafette.core.errors import NotPermitted
from estafette.core.models import AuditAction
from estafette.people.models import NetworkMember, Person
from estafette.portal.models import CodeChannel, SignInCode, SignInThrottle
from estafette.portal.subject import Subject, SubjectKind, subject_audit
from estafette.portal.text_messages import TextMessageError, send_text_message
from estafette.trajectories.models import Trajectory

SHORT_CODE_DIGITS = 6
SHORT_CODE_MINUTES = 15
PAPER_CODE_DAYS = 30
PAPER_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
"""Capitals and digits that cannot be mistaken for one another when read aloud or copied:
no 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B."""
PAPER_CODE_LENGTH = 12  # 22**12 ≈ 2**53: not guessable within any throttle
PAPER_GROUP = 4  # printed as ACDE-FHJK-MNPR

MAX_ATTEMPTS_PER_CODE = 5
MAX_CODES_PER_ADDRESS = 3
MAX_REQUESTS_PER_CLIENT = 10
MAX_FAILURES_PER_CLIENT = 10
THROTTLE_WINDOW = dt.timedelta(minutes=15)

CHALLENGE_SESSION_KEY = "portal_challenge"
"""The session key of the random challenge short codes of this browser session are bound to."""

OBJECT_TYPE = "portal.signincode"

NOT_YOURS = gettext_lazy("You cannot hand a sign-in code for this person.")
NO_CONTACT_PERSON = gettext_lazy("This person has no contact person.")


class Throttled(Exception):
    """Too many attempts from this client: refuse without looking further."""


class CodeRefused(Exception):
    """The code does not sign anyone in (wrong, used, expired, voided); ``reason`` is audited."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- hashing ---------------------------------------------------------------------------


def _keyed(purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under a key derived from ``SECRET_KEY`` for ``purpose``."""
    return salted_hmac(f"estafette.portal.{purpose}", value, algorithm="sha256").hexdigest()


def code_hash(code: str, *, challenge: str = "") -> str:
    """What is stored of a code: its keyed hash (with the session's challenge for short codes)."""
    if challenge:
        return _keyed("short-code", f"{challenge}:{code}")
    return _keyed("paper-code", code)


def challenge_hash(challenge: str) -> str:
    return _keyed("challenge", challenge)


def new_challenge() -> str:
    return secrets.token_urlsafe(24)


def normalised_code(typed: str) -> str:
    """What was typed, as codes are compared: no spaces or dashes, capitals."""
    return re.sub(r"[\s\-.]+", "", typed or "").upper()


def new_short_code() -> str:
    return f"{secrets.randbelow(10**SHORT_CODE_DIGITS):0{SHORT_CODE_DIGITS}d}"


def new_paper_code() -> str:
    return "".join(secrets.choice(PAPER_ALPHABET) for _ in range(PAPER_CODE_LENGTH))


def paper_code_printed(code: str) -> str:
    """A paper code in groups, as printed: ``ACDE-FHJK-MNPR``."""
    return "-".join(code[i : i + PAPER_GROUP] for i in range(0, len(code), PAPER_GROUP))


def _is_paper_shaped(code: str) -> bool:
    return len(code) == PAPER_CODE_LENGTH and all(ch in PAPER_ALPHABET for ch in code)


# --- throttling ------------------------------------------------------------------------


def _throttle_key(kind: str, value: str) -> str:
    return _keyed("throttle", f"{kind}:{value}")


def throttle_count(kind: str, value: str) -> int:
    """How many ``kind`` events for ``value`` fall in the current window."""
    since = clock.now() - THROTTLE_WINDOW
    return SignInThrottle.objects.filter(key=_throttle_key(kind, value), at__gt=since).count()


def throttle_hit(kind: str, value: str) -> None:
    """Count one ``kind`` event for ``value``; forget events older than a day."""
    now = clock.now()
    SignInThrottle.objects.create(key=_throttle_key(kind, value), at=now)
    SignInThrottle.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()


def _client(ip: str | None) -> str:
    return ip or "unknown"


# --- addresses -------------------------------------------------------------------------


def normalised_email(value: str) -> str:
    return (value or "").strip().lower()


def normalised_phone(value: str) -> str:
    """A phone number compared by digits: ``+31 6-1234 5678``, ``0031612345678`` and
    ``06 12345678`` are the same number; other countries keep their ``00`` prefix."""
    text = (value or "").strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        digits = "00" + digits
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    return digits


def is_email(address: str) -> bool:
    return "@" in address


def subjects_at(address: str) -> list[tuple[Subject, str]]:
    """Every subject whose e-mail address or phone number on file is ``address``, each with
    the address as recorded. Phone numbers are compared by :func:`normalised_phone`."""
    found: list[tuple[Subject, str]] = []
    if is_email(address):
        wanted = normalised_email(address)
        if not wanted:
            return []
        for person in Person.objects.filter(email__iexact=wanted):
            found.append((Subject(kind=SubjectKind.PERSON, person=person), person.email))
        for member in NetworkMember.objects.filter(
            is_contact_person=True, email__iexact=wanted
        ).select_related("person"):
            found.append(
                (
                    Subject(kind=SubjectKind.CONTACT_PERSON, person=member.person, member=member),
                    member.email,
                )
            )
        return found
    wanted = normalised_phone(address)
    if len(wanted) < 6:
        return []
    # Phone numbers are free text (spaces, dashes, +31): compared in Python, on the
    # numbers only — one column of the people with a phone, no other data.
    person_ids = [
        pk
        for pk, phone in Person.objects.exclude(phone="").values_list("pk", "phone")
        if normalised_phone(phone) == wanted
    ]
    for person in Person.objects.filter(pk__in=person_ids):
        found.append((Subject(kind=SubjectKind.PERSON, person=person), person.phone))
    member_ids = [
        pk
        for pk, phone in NetworkMember.objects.filter(is_contact_person=True)
        .exclude(phone="")
        .values_list("pk", "phone")
        if normalised_phone(phone) == wanted
    ]
    for member in NetworkMember.objects.filter(pk__in=member_ids).select_related("person"):
        found.append(
            (
                Subject(kind=SubjectKind.CONTACT_PERSON, person=member.person, member=member),
                member.phone,
            )
        )
    return found


# --- issuing ---------------------------------------------------------------------------


def _issue(
    *,
    subject: Subject,
    channel: str,
    lifetime: dt.timedelta,
    make: Any,
    challenge: str = "",
    issued_by: Any = None,
) -> tuple[SignInCode, str]:
    """A new code of ``channel`` for ``subject``; older unused ones of that kind are voided."""
    now = clock.now()
    with transaction.atomic():
        SignInCode.objects.filter(
            person=subject.person,
            member=subject.member,
            channel=channel,
            used_at__isnull=True,
            voided_at__isnull=True,
        ).update(voided_at=now)
        for _attempt in range(5):  # a clash of hashes is one in a million for short codes
            code = make()
            try:
                with transaction.atomic():
                    row = SignInCode.objects.create(
                        person=subject.person,
                        member=subject.member,
                        channel=channel,
                        code_hash=code_hash(code, challenge=challenge),
                        challenge_hash=challenge_hash(challenge) if challenge else "",
                        created_at=now,
                        expires_at=now + lifetime,
                        issued_by=issued_by,
                    )
            except IntegrityError:
                continue
            return row, code
    raise RuntimeError("no free sign-in code after five tries")  # pragma: no cover


def _code_message(code: str) -> tuple[str, str]:
    """The message's subject line and body, in the active language: the code, how long it
    holds and the product name — no name, no organisation, nothing about the person."""
    subject = _("Your sign-in code for Estafette")
    body = _(
        "Your code: %(code)s\n"
        "It works once, for %(minutes)s minutes.\n"
        "Did you not ask for a code? Then you do not need to do anything.\n"
        "\n"
        "Estafette"
    ) % {"code": code, "minutes": SHORT_CODE_MINUTES}
    return subject, body


def _text_message(code: str) -> str:
    return _("Estafette code: %(code)s. It works once, for %(minutes)s minutes.") % {
        "code": code,
        "minutes": SHORT_CODE_MINUTES,
    }


def _failed_request(reason: str, ip: str | None, **detail: Any) -> None:
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type=OBJECT_TYPE,
        stage="request",
        reason=reason,
        ip=ip,
        **detail,
    )


def request_code(*, address: str, challenge: str, ip: str | None) -> None:
    """Send a short code to ``address`` if it is on file for exactly one subject.

    Returns nothing, whatever happened: the caller answers the same in every case. Raises
    :class:`Throttled` only for too many requests from this client (which says nothing
    about the address). The message goes out in the active language.
    """
    if throttle_count("request-client", _client(ip)) >= MAX_REQUESTS_PER_CLIENT:
        _failed_request("throttled_client", ip)
        raise Throttled
    throttle_hit("request-client", _client(ip))
    channel = CodeChannel.EMAIL if is_email(address) else CodeChannel.TEXT_MESSAGE
    matches = subjects_at(address)
    if not matches:
        _failed_request("unknown_address", ip, channel=str(channel))
        return
    if len(matches) > 1:
        # One address for two people (a mother who is the contact person of two sons):
        # a code would not say whose pages it opens. A paper code does (docs/portal.md).
        _failed_request("shared_address", ip, channel=str(channel), matches=len(matches))
        return
    subject, recorded = matches[0]
    address_key = normalised_email(address) if is_email(address) else normalised_phone(address)
    if throttle_count("request-address", address_key) >= MAX_CODES_PER_ADDRESS:
        subject_audit(
            subject,
            AuditAction.LOGIN_FAILED,
            object_type=OBJECT_TYPE,
            stage="request",
            reason="throttled_address",
            channel=str(channel),
            ip=ip,
        )
        return
    throttle_hit("request-address", address_key)
    row, code = _issue(
        subject=subject,
        channel=channel,
        lifetime=dt.timedelta(minutes=SHORT_CODE_MINUTES),
        make=new_short_code,
        challenge=challenge,
    )
    sent = True
    try:
        if channel == CodeChannel.EMAIL:
            title, body = _code_message(code)
            send_mail(title, body, None, [recorded], fail_silently=False)
        else:
            send_text_message(to=recorded, body=_text_message(code))
    except (OSError, TextMessageError) as error:  # smtplib's errors are OSErrors
        sent = False
        failure = type(error).__name__
    subject_audit(
        subject,
        AuditAction.CREATE if sent else AuditAction.LOGIN_FAILED,
        object_type=OBJECT_TYPE,
        object_id=row.pk,
        stage="request",
        channel=str(channel),
        ip=ip,
        **({} if sent else {"reason": "not_sent", "error": failure}),
    )


# --- paper codes -----------------------------------------------------------------------


@dataclass(frozen=True)
class PaperCode:
    """A paper code just issued: the only moment its plain text exists."""

    row: SignInCode
    code: str
    subject: Subject

    @property
    def printed(self) -> str:
        return paper_code_printed(self.code)


def paper_code_choices(actor: Actor, trajectory: Trajectory) -> list[Subject]:
    """Whom the actor may print a code for on this trajectory: the person (their identity
    visible to the actor's part in the file) and the contact person (the network visible).

    Empty when the actor's role hands no codes, or its organisation has no part in the
    trajectory (emergency access is not a part: it opens a file, it does not meet a person).
    """
    if not policy.may_hand_sign_in_code(actor):
        return []
    access = policy.access_for(actor, trajectory)
    if access.relationship in (policy.Relationship.NONE, policy.Relationship.EMERGENCY):
        return []
    choices: list[Subject] = []
    if access.sees(DataClass.IDENTITY):
        choices.append(Subject(kind=SubjectKind.PERSON, person=trajectory.person))
        if access.sees(DataClass.NETWORK):
            member = NetworkMember.objects.filter(
                person=trajectory.person, is_contact_person=True
            ).first()
            if member is not None:
                choices.append(
                    Subject(
                        kind=SubjectKind.CONTACT_PERSON, person=trajectory.person, member=member
                    )
                )
    return choices


def issue_paper_code(*, actor: Actor, trajectory: Trajectory, kind: str) -> PaperCode:
    """A new paper code for the person (``kind`` "person") or their contact person.

    Raises :class:`NotPermitted` when the actor may not hand one for that subject on this
    trajectory (:func:`paper_code_choices`). Voids the subject's older unused paper codes.
    Audited (CREATE, with the trajectory and who it is for; never the code).
    """
    subject = next((s for s in paper_code_choices(actor, trajectory) if s.kind == kind), None)
    if subject is None:
        raise NotPermitted(NOT_YOURS)
    row, code = _issue(
        subject=subject,
        channel=CodeChannel.PAPER,
        lifetime=dt.timedelta(days=PAPER_CODE_DAYS),
        make=new_paper_code,
        issued_by=actor.user,
    )
    detail: dict[str, Any] = {"channel": str(CodeChannel.PAPER), "subject": str(subject.kind)}
    if subject.member is not None:
        detail["member_id"] = subject.member.pk
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=row,
        person_id=subject.person.pk,
        trajectory_id=trajectory.pk,
        **detail,
    )
    return PaperCode(row=row, code=code, subject=subject)


# --- signing in ------------------------------------------------------------------------


def _subject_of(row: SignInCode) -> Subject | None:
    """Whom the code signs in, if that still holds (a contact person must still be one)."""
    if row.member_id is None:
        return Subject(kind=SubjectKind.PERSON, person=row.person)
    member = NetworkMember.objects.filter(
        pk=row.member_id, person_id=row.person_id, is_contact_person=True
    ).first()
    if member is None:
        return None
    return Subject(kind=SubjectKind.CONTACT_PERSON, person=row.person, member=member)


def _refuse(reason: str, ip: str | None, row: SignInCode | None = None) -> CodeRefused:
    throttle_hit("failure-client", _client(ip))
    detail: dict[str, Any] = {"stage": "code", "reason": reason, "ip": ip}
    if row is not None:
        detail["channel"] = row.channel
        if row.member_id is not None:
            detail["member_id"] = row.member_id
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type=OBJECT_TYPE,
        object_id=row.pk if row is not None else "",
        person_id=row.person_id if row is not None else None,
        **detail,
    )
    return CodeRefused(reason)


def _count_wrong(challenge: str) -> None:
    """A wrong code in a session counts against that session's short codes; at the limit
    they are void."""
    if not challenge:
        return
    live = SignInCode.objects.filter(
        challenge_hash=challenge_hash(challenge), used_at__isnull=True, voided_at__isnull=True
    )
    live.update(attempts=F("attempts") + 1)
    live.filter(attempts__gte=MAX_ATTEMPTS_PER_CODE).update(voided_at=clock.now())


def redeem(*, typed: str, challenge: str, ip: str | None) -> tuple[Subject, SignInCode]:
    """The subject the typed code signs in, marking the code used; audited either way.

    A 6-digit code is looked for among this session's short codes (``challenge``), a
    paper-shaped one among paper codes. Raises :class:`Throttled` past the client's limit
    of wrong codes (the code is then not even looked at), :class:`CodeRefused` for a code
    that is wrong, used, voided or expired, or whose contact person no longer is one.
    """
    if throttle_count("failure-client", _client(ip)) >= MAX_FAILURES_PER_CLIENT:
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            object_type=OBJECT_TYPE,
            stage="code",
            reason="throttled_client",
            ip=ip,
        )
        raise Throttled
    code = normalised_code(typed)
    wanted = ""
    if challenge and len(code) == SHORT_CODE_DIGITS and code.isdigit():
        wanted = code_hash(code, challenge=challenge)
    elif _is_paper_shaped(code):
        wanted = code_hash(code)
    row = (
        SignInCode.objects.select_related("person").filter(code_hash=wanted).first()
        if wanted
        else None
    )
    if row is None:
        _count_wrong(challenge)
        raise _refuse("wrong", ip)
    now = clock.now()
    if row.used_at is not None:
        raise _refuse("used", ip, row)
    if row.voided_at is not None or row.attempts >= MAX_ATTEMPTS_PER_CODE:
        raise _refuse("voided", ip, row)
    if row.expires_at <= now:
        raise _refuse("expired", ip, row)
    subject = _subject_of(row)
    if subject is None:
        raise _refuse("no_longer_contact_person", ip, row)
    # Single use even when two requests race: only one UPDATE finds it unused.
    if not SignInCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise _refuse("used", ip, row)
    row.used_at = now
    subject_audit(
        subject,
        AuditAction.LOGIN,
        object_type=OBJECT_TYPE,
        object_id=row.pk,
        channel=row.channel,
        ip=ip,
    )
    return subject, row


def language_of(person: Person) -> str:
    """The person's language where the product has it (nl, en); else the default."""
    available = {code for code, _name in settings.LANGUAGES}
    return person.language if person.language in available else settings.LANGUAGE_CODE
