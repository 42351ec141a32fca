"""Issue 11, points 3 and 4: bounds per purpose, self-recorded consent, evidence of withdrawal.

* ``ConsentPurpose.default_classes`` / ``max_classes``: what a purpose usually
  needs and what it can ever need. The nine built-in purposes are filled from
  :data:`BOUNDS` (DOMAIN.md §2, §6, §10; decision 0013); a purpose an
  administrator added keeps the field defaults (identity by default, every
  class at most) until someone narrows it in the admin.
* ``Consent.classes_reason``, ``self_recorded`` and the review fields.
* ``Consent.revocation_*`` / ``revoked_heard_*``: the evidence of a withdrawal.

Consents recorded before keep their classes, also beyond a maximum: the bounds
apply when a consent is recorded, and a consent is never rewritten afterwards.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import estafette.consent.models

I, D, C, H, O, N, T = (
    "identity",
    "detention",
    "conditions",
    "health",
    "offence",
    "network",
    "notes",
)
ALL = [I, D, C, H, O, N, T]

BOUNDS = {
    # The consulate registers a detained national and visits: who, where detained; at most
    # what the offence is (consular officers may see it) and whom to contact at home.
    "consular": ([I, D], [I, D, O, N]),
    # Bureau Buitenland guides the whole stay abroad and may write a social report for the
    # court: the usual return preparation by default, anything with a reason.
    "bb_guidance": ([I, D, C, N], ALL),
    # A named partner can be any kind of organisation: who the person is and the basic
    # conditions it works on by default; anything else with a reason.
    "partner_sharing": ([I, C], ALL),
    # The contact person at home hears how the person is doing: never health, the offence
    # or notes written about the person.
    "contact_person": ([I, N], [I, D, C, N]),
    # A visiting volunteer: who and where; the rest of a volunteer's classes with a reason,
    # never health or the offence (volunteers never see them).
    "volunteer_visits": ([I, D], [I, D, C, N, T]),
    # After-care prepares ID, income, housing and care after release: health and notes
    # only with a reason, never the offence (DOMAIN.md §10).
    "aftercare_referral": ([I, D, C, N], [I, D, C, H, N, T]),
    # The mayor hears of a return the person asked to announce: who and when; the offence
    # only with a reason (it is why some ask); nothing about health, network or notes.
    "mayor_notification": ([I, D], [I, D, O]),
    # A buddy helps after release: identity, basic conditions and network; detention,
    # health and notes with a reason, never the offence (no duty to report).
    "buddy_programme": ([I, C, N], [I, D, C, H, N, T]),
    # The information sheet says how ID, housing, income, debts and care stand: the
    # basic conditions with who and when; care needs (health) only with a reason.
    "infosheet": ([I, D, C], [I, D, C, H]),
}


def fill_bounds(apps, schema_editor):
    ConsentPurpose = apps.get_model("consent", "ConsentPurpose")
    for code, (default, maximum) in BOUNDS.items():
        ConsentPurpose.objects.filter(code=code).update(
            default_classes=sorted(default), max_classes=sorted(maximum)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0003_handover_message_disclosure"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="consentpurpose",
            name="default_classes",
            field=models.JSONField(
                default=estafette.consent.models.default_purpose_classes,
                help_text=(
                    "The classes of information this purpose usually needs. More than these "
                    "needs a stated reason when the consent is recorded."
                ),
                verbose_name="information covered by default",
            ),
        ),
        migrations.AddField(
            model_name="consentpurpose",
            name="max_classes",
            field=models.JSONField(
                default=estafette.consent.models.all_data_classes,
                help_text="The classes this purpose can ever need. A consent for it never covers more.",
                verbose_name="most information the purpose may cover",
            ),
        ),
        migrations.AddField(
            model_name="consent",
            name="classes_reason",
            field=models.TextField(blank=True, verbose_name="why more information than usual"),
        ),
        migrations.AddField(
            model_name="consent",
            name="self_recorded",
            field=models.BooleanField(default=False, verbose_name="recorded by its own recipient"),
        ),
        migrations.AddField(
            model_name="consent",
            name="reviewed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reviewed at"),
        ),
        migrations.AddField(
            model_name="consent",
            name="reviewed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="consent",
            name="review_outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("confirmed", "the evidence holds"),
                    ("doubted", "the evidence does not convince"),
                ],
                max_length=10,
                verbose_name="review outcome",
            ),
        ),
        migrations.AddField(
            model_name="consent",
            name="review_note",
            field=models.TextField(blank=True, verbose_name="review note"),
        ),
        migrations.AddField(
            model_name="consent",
            name="revocation_evidence_kind",
            field=models.CharField(
                blank=True,
                choices=[("document", "signed form"), ("verbal", "verbal consent")],
                max_length=10,
                verbose_name="evidence of the withdrawal",
            ),
        ),
        migrations.AddField(
            model_name="consent",
            name="revocation_letter",
            field=models.FileField(
                blank=True,
                max_length=200,
                upload_to=estafette.consent.models.revocation_letter_upload_to,
                verbose_name="signed letter of withdrawal",
            ),
        ),
        migrations.AddField(
            model_name="consent",
            name="revocation_letter_content_type",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="consent",
            name="revoked_heard_by",
            field=models.CharField(blank=True, max_length=160, verbose_name="withdrawal heard by"),
        ),
        migrations.AddField(
            model_name="consent",
            name="revoked_heard_on",
            field=models.DateField(blank=True, null=True, verbose_name="withdrawal heard on"),
        ),
        migrations.AddField(
            model_name="consent",
            name="revoked_heard_where",
            field=models.CharField(
                blank=True, max_length=160, verbose_name="withdrawal heard where"
            ),
        ),
        migrations.AddIndex(
            model_name="consent",
            index=models.Index(
                fields=["recorded_by_organisation", "self_recorded", "reviewed_at"],
                name="consent_self_recorded_review",
            ),
        ),
        migrations.RunPython(fill_bounds, migrations.RunPython.noop),
    ]
