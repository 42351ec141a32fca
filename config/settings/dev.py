"""Local development: what `make run` uses."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = True

# No mail server needed: e-mail is written to files in var/mail/ (one file per sending run),
# unless EMAIL_BACKEND is set in the environment (docs/notifications.md).
# The audit chain's key: var/audit.key, made with a random key on first use, unless the
# environment names one (docs/security.md).
if "ESTAFETTE_AUDIT_KEY" not in os.environ and "ESTAFETTE_AUDIT_KEY_FILE" not in os.environ:
    ESTAFETTE_AUDIT_KEY_FILE = str(BASE_DIR / "var" / "audit.key")
    ESTAFETTE_AUDIT_KEY_GENERATE = True

if "EMAIL_BACKEND" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
