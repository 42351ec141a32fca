"""Production: secure cookies, HSTS, static files through WhiteNoise."""

from .base import *  # noqa: F403
from .base import config

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
