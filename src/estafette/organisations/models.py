"""Organisations in the chain, their people (memberships and roles), and the directory.

The directory is reference data: the 342 municipalities of 2025 and the
countries with their transfer law and consular package, loaded by migration
from ``data/`` (see ``data/SOURCES.md``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Municipality(models.Model):
    cbs_code = models.CharField(max_length=6, unique=True)
    name = models.CharField(max_length=80, unique=True)
    common_name = models.CharField(max_length=80, db_index=True)
    province = models.CharField(max_length=40)

    class Meta:
        ordering = ["common_name", "province"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.common_name


class TransferLaw(models.TextChoices):
    WETS = "WETS", "WETS"
    WOTS = "WOTS", "WOTS"


class ConsularPackage(models.TextChoices):
    BASIC = "basic", _("basic package")
    EXTRA = "extra", _("extra package")


class Country(models.Model):
    iso2 = models.CharField(max_length=2, unique=True)
    name_en = models.CharField(max_length=80)
    name_nl = models.CharField(max_length=80)
    eu_member = models.BooleanField(default=False)
    transfer_law = models.CharField(max_length=4, choices=TransferLaw.choices)
    consular_package = models.CharField(max_length=5, choices=ConsularPackage.choices)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class OrganisationKind(models.TextChoices):
    CONSULAR_POST = "consular_post", _("consular post")
    BUREAU_BUITENLAND = "bureau_buitenland", _("Bureau Buitenland (probation for detainees abroad)")
    BB_REGIONAL_DESK = "bb_regional_desk", _("Bureau Buitenland regional desk")
    VOLUNTEER_ORGANISATION = "volunteer_org", _("volunteer organisation")
    MUNICIPAL_AFTERCARE = "municipal_aftercare", _("municipal after-care desk")
    PRISON = "prison", _("prison (PI)")
    PROBATION = "probation", _("probation (3RO)")
    LANDING_PLACE = "landing_place", _("landing place / shelter")
    BUDDY_PROGRAMME = "buddy_programme", _("buddy programme")
    PARTNER = "partner", _("other partner")


class Organisation(models.Model):
    """One runner in the relay: an organisation (or desk) that can hold the baton."""

    name = models.CharField(_("name"), max_length=160)
    code = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="desks",
        help_text=_(
            "The organisation this desk belongs to (a regional desk of Bureau Buitenland)."
        ),
    )
    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text=_("Where it is; for an after-care desk, the municipality it belongs to."),
    )
    serves_municipalities = models.ManyToManyField(
        Municipality,
        blank=True,
        related_name="served_by",
        help_text=_("For a central municipality: the other municipalities its desk serves."),
    )
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text=_("For a consular post: the country it serves."),
    )
    volunteer_focus = models.CharField(
        max_length=20,
        blank=True,
        choices=[("visiting", _("visiting")), ("spiritual", _("spiritual care"))],
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    # The visiting address and opening hours of a desk, kept by its administrator; the
    # directory (ROADMAP.md item 3) publishes them in the Open Referral (HSDS) shape:
    # address_1 / postal_code / city, and a schedule's free-text description
    # (decision 0018).
    street = models.CharField(_("street and number"), max_length=120, blank=True)
    postal_code = models.CharField(_("postcode"), max_length=12, blank=True)
    city = models.CharField(_("place"), max_length=80, blank=True)
    opening_hours = models.TextField(
        _("opening hours"),
        max_length=500,
        blank=True,
        help_text=_("When people can walk in or call, in words: “Mon–Thu 9:00–12:00”."),
    )
    website = models.URLField(_("website"), max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "municipality"])]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    REGIONAL_COORDINATOR = "regional_coordinator", _("regional coordinator")
    VISITING_VOLUNTEER = "visiting_volunteer", _("visiting volunteer")
    CONSULAR_OFFICER = "consular_officer", _("consular officer")
    AFTERCARE_COORDINATOR = "aftercare_coordinator", _("municipal after-care coordinator")
    CASE_MANAGER = "case_manager", _("prison case manager")
    PROBATION_OFFICER = "probation_officer", _("probation officer")
    BUDDY_PROFESSIONAL = "buddy_professional", _("buddy programme professional")
    BUDDY = "buddy", _("buddy")
    LANDING_PLACE_WORKER = "landing_place_worker", _("landing place worker")
    PARTNER_WORKER = "partner_worker", _("partner worker")
    ORGANISATION_ADMIN = "organisation_admin", _("organisation administrator")


class Membership(models.Model):
    """A user works for an organisation in a role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"
