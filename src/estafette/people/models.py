"""The person the whole chain exists for, how to reach them, and their network.

Vulnerability markers are special-category data: stored so the chain can
adapt (one man could not read the letters he was sent), shown only where a
role needs them (see ``trajectories.selectors`` and, later, the consent policy).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from estafette.core.errors import InvalidInput
from estafette.people.identifiers import (
    NATIONAL_KINDS,
    VALUE_MAX_LENGTH,
    IdentifierKind,
    identifier_check,
)


class Literacy(models.TextChoices):
    YES = "yes", _("reads and writes")
    LIMITED = "limited", _("limited")
    NO = "no", _("does not read or write")


class Channel(models.TextChoices):
    LETTER = "letter", _("letter")
    PHONE = "phone", _("phone")
    VISIT = "visit", _("in person / visit")
    EMAIL = "email", _("e-mail")
    VIA_CONTACT = "via_contact", _("via the contact person")


VULNERABILITY_MARKERS = {
    "cannot_read_write": _("cannot read or write"),
    "intellectual_disability": _("intellectual disability"),
    "addiction": _("addiction"),
    "psychiatric_problems": _("psychiatric problems"),
}


class Person(models.Model):
    given_names = models.CharField(_("given names"), max_length=120)
    family_name = models.CharField(_("family name"), max_length=120)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    nationalities = models.ManyToManyField(
        "organisations.Country", blank=True, related_name="+", verbose_name=_("nationalities")
    )
    # Contact details (IDENTITY class, access.policy.PERSON_FIELD_CLASSES). One address in
    # three parts, as Dutch forms and letters write it; each may stay empty: many people
    # come back with no address yet, or stay at a shelter or with family.
    address = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Communication profile
    language = models.CharField(_("language"), max_length=40, default="nl")
    literacy = models.CharField(
        _("reads and writes"), max_length=10, choices=Literacy.choices, default=Literacy.YES
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=20, choices=Channel.choices, default=Channel.LETTER
    )
    # Vulnerability markers (special-category data)
    cannot_read_write = models.BooleanField(_("cannot read or write"), default=False)
    intellectual_disability = models.BooleanField(_("intellectual disability"), default=False)
    addiction = models.BooleanField(_("addiction"), default=False)
    psychiatric_problems = models.BooleanField(_("psychiatric problems"), default=False)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_names"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"

    @property
    def vulnerability_markers(self) -> list[str]:
        """Labels of the markers that are set, in the user's language."""
        return [str(label) for name, label in VULNERABILITY_MARKERS.items() if getattr(self, name)]

    @property
    def is_vulnerable(self) -> bool:
        return bool(self.vulnerability_markers)


class Relation(models.TextChoices):
    PARTNER = "partner", _("partner")
    PARENT = "parent", _("parent")
    CHILD = "child", _("child")
    SIBLING = "sibling", _("brother or sister")
    FRIEND = "friend", _("friend")
    OTHER = "other", _("other")


class MemberOrigin(models.TextChoices):
    """Who recorded a network member."""

    PROFESSIONAL = "professional", _("a professional")
    CONTACT_PERSON = "contact_person", _("the contact person")


class NetworkMember(models.Model):
    """Someone of the home front: family, partner, children, friends."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="network")
    name = models.CharField(_("name"), max_length=160)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    is_contact_person = models.BooleanField(_("contact person"), default=False)
    is_minor = models.BooleanField(_("minor"), default=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # A child left behind, registered by the contact person on their own pages (issue 13,
    # portal.home_front): who recorded it, the year of birth if given, who cares for the
    # child now (as the contact person wrote it).
    origin = models.CharField(
        _("recorded by"),
        max_length=20,
        choices=MemberOrigin.choices,
        default=MemberOrigin.PROFESSIONAL,
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    cared_for_by = models.CharField(_("who cares for the child now"), max_length=160, blank=True)

    class Meta:
        ordering = ["-is_contact_person", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(is_contact_person=True),
                name="one_contact_person_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class PersonIdentifier(models.Model):
    """A number the person is known by: BSN, V-number or a foreign prison's number.

    IDENTITY class data. ``value`` is stored normalised
    (:func:`people.identifiers.identifier_normalised`) and checked by
    :func:`people.identifiers.identifier_check` in :meth:`clean`; a BSN or a
    V-number belongs to one person only (a database constraint), a foreign
    prison number may repeat across countries and prisons.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(_("kind of number"), max_length=30, choices=IdentifierKind.choices)
    value = models.CharField(_("number"), max_length=VALUE_MAX_LENGTH)
    country = models.ForeignKey(
        "organisations.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country"),
        help_text=_("For a foreign prison number: the country of the prison."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"],
                condition=models.Q(kind__in=sorted(NATIONAL_KINDS)),
                name="one_person_per_national_identifier",
            )
        ]
        # The search compares the normalised value exactly, whatever the kind.
        indexes = [models.Index(fields=["value"], name="people_identifier_value")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"

    def clean(self) -> None:
        """Normalise ``value`` and refuse a value in the wrong format with the check's sentence."""
        try:
            self.value = identifier_check(self.kind, self.value)
        except InvalidInput as error:
            raise ValidationError({"value": str(error)}) from error
