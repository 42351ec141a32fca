"""Production: secure cookies, HSTS, static files through WhiteNoise."""

from django.core.exceptions import ImproperlyConfigured

from estafette.core.audit_key import check_configured

from .base import *  # noqa: F403
from .base import ESTAFETTE_AUDIT_KEY, ESTAFETTE_AUDIT_KEY_FILE, SECRET_KEY, config

if SECRET_KEY.startswith("insecure-"):
    raise ImproperlyConfigured("Set ESTAFETTE_SECRET_KEY to a long random value in production.")
# The audit chain is keyed; without its key (or with one too short) production does not start.
check_configured(ESTAFETTE_AUDIT_KEY, ESTAFETTE_AUDIT_KEY_FILE)

DEBUG = False
SECURE_SSL_REDIRECT = config(
    "ESTAFETTE_SSL_REDIRECT", True, help="Redirect plain HTTP to HTTPS (production)."
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Static files are served by WhiteNoise straight after the security middleware.
MIDDLEWARE = [*MIDDLEWARE[:1], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]  # noqa: F405

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
