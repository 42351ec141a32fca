"""Add the hash chain to the audit log and chain any entries written before it."""

from django.db import migrations, models


def chain_existing(apps, schema_editor):
    from estafette.core.audit_chain import GENESIS, plain_digest

    AuditEvent = apps.get_model("core", "AuditEvent")
    prev = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=5000):
        content = {
            "at": event.at,
            "user": event.user_id,
            "organisation": event.organisation_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "person_id": event.person_id,
            "detail": event.detail,
        }
        digest = plain_digest(prev, content)
        # Historical models have no append-only guard; a direct update is the migration's job.
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, entry_hash=digest)
        prev = digest


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="entry_hash",
            field=models.CharField(max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
