"""The key of the audit chain: from the environment or a key file, never from the database.

Settings (docs/security.md, decision 0014):

* ``ESTAFETTE_AUDIT_KEY`` — the key itself (at least :data:`MIN_KEY_LENGTH` characters);
* ``ESTAFETTE_AUDIT_KEY_FILE`` — a file holding it (readable by the application only);
* ``ESTAFETTE_AUDIT_KEY_GENERATE`` — development and tests only: make the key
  file with a random key on first use (``var/audit.key`` for ``make run``).

The production settings refuse to start without one of the first two
(:func:`check_configured`). The key is read once per process.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_KEY_LENGTH = 32
"""Characters a key has at least (``secrets.token_hex(32)`` gives 64)."""

_CACHE: dict[tuple[str, str], bytes] = {}


def key_from_value(value: str, *, source: str) -> bytes:
    """``value`` as the key if long enough; else ``ImproperlyConfigured`` naming ``source``."""
    value = value.strip()
    if len(value) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"{source}: the audit key must be at least {MIN_KEY_LENGTH} characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    return value.encode()


def key_from_file(path: str | Path, *, generate: bool = False) -> bytes:
    """The key in the file at ``path``; with ``generate``, a new random one if there is none."""
    path = Path(path)
    if generate and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two processes starting at once do not each write their own key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    try:
        value = path.read_text()
    except OSError as error:
        raise ImproperlyConfigured(
            f"ESTAFETTE_AUDIT_KEY_FILE={path}: cannot read the audit key ({error.strerror})."
        ) from error
    return key_from_value(value, source=f"ESTAFETTE_AUDIT_KEY_FILE={path}")


def check_configured(value: str, path: str) -> bytes:
    """The key the settings name, read now: the production settings' check at start."""
    if value:
        return key_from_value(value, source="ESTAFETTE_AUDIT_KEY")
    if path:
        return key_from_file(path)
    raise ImproperlyConfigured(
        "Set ESTAFETTE_AUDIT_KEY (or ESTAFETTE_AUDIT_KEY_FILE) in production: the audit log's "
        "hash chain is keyed, and its key is kept out of the database (docs/security.md)."
    )


def audit_key() -> bytes:
    """The key the audit chain is computed with (read once per process and setting)."""
    value = str(getattr(settings, "ESTAFETTE_AUDIT_KEY", "") or "")
    path = str(getattr(settings, "ESTAFETTE_AUDIT_KEY_FILE", "") or "")
    cache_key = (value, path)
    if cache_key not in _CACHE:
        if value:
            _CACHE[cache_key] = key_from_value(value, source="ESTAFETTE_AUDIT_KEY")
        elif path:
            generate = bool(getattr(settings, "ESTAFETTE_AUDIT_KEY_GENERATE", False))
            _CACHE[cache_key] = key_from_file(path, generate=generate)
        else:
            raise ImproperlyConfigured(
                "No audit key: set ESTAFETTE_AUDIT_KEY or ESTAFETTE_AUDIT_KEY_FILE "
                "(docs/security.md)."
            )
    return _CACHE[cache_key]
