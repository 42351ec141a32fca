"""Chain the audit entries written before decision 0014 again, with the key (HMAC-SHA256).

Until now each hash was a plain SHA-256 anyone with database access could
recompute. This migration first checks the old chain entry by entry (an entry
already hashed with the key, written by new code before this migration ran,
passes too), and stops — changing nothing — if it is broken: a break found
now must be looked into, not laundered by chaining again. Then it replaces
every ``prev_hash``/``entry_hash`` with the keyed ones, in id order, in the
migration's transaction. The key comes from the settings (never from the
database): ``ESTAFETTE_AUDIT_KEY`` or ``ESTAFETTE_AUDIT_KEY_FILE``.
"""

from django.db import migrations


def _content(event):
    return {
        "at": event.at,
        "user": event.user_id,
        "organisation": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_id": event.person_id,
        "detail": event.detail,
    }


def chain_with_key(apps, schema_editor):
    from estafette.core.audit_chain import GENESIS, entry_digest, plain_digest
    from estafette.core.audit_key import audit_key

    AuditEvent = apps.get_model("core", "AuditEvent")
    if not AuditEvent.objects.exists():
        return
    key = audit_key()
    events = AuditEvent.objects.order_by("id")
    prev = GENESIS
    for event in events.iterator(chunk_size=5000):
        content = _content(event)
        if event.prev_hash != prev or event.entry_hash not in (
            plain_digest(prev, content),
            entry_digest(prev, content, key),
        ):
            raise RuntimeError(
                f"The audit chain is broken at entry {event.pk}; it is not chained again with "
                "the key. Find out what happened to the log (manage.py audit_verify on a copy "
                "of the code before decision 0014) before migrating."
            )
        prev = event.entry_hash
    prev = GENESIS
    for event in events.iterator(chunk_size=5000):
        digest = entry_digest(prev, _content(event), key)
        # Historical models have no append-only guard; a direct update is the migration's job.
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, entry_hash=digest)
        prev = digest


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_actions")]

    operations = [migrations.RunPython(chain_with_key, migrations.RunPython.noop)]
