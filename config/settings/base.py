"""Settings shared by every environment; everything variable comes from the environment.

Read through :func:`estafette.core.env.config`, so ``manage.py envvars`` can list
every variable with its default and purpose.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from estafette.core.env import config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SRC_DIR = BASE_DIR / "src" / "estafette"

DEBUG = config("ESTAFETTE_DEBUG", False, help="Show Django's debug pages. Never in production.")
SECRET_KEY = config(
    "ESTAFETTE_SECRET_KEY",
    "insecure-development-key-change-me",
    help="Django secret key; required (and long and random) in production.",
)
ALLOWED_HOSTS = config(
    "ESTAFETTE_ALLOWED_HOSTS",
    ["127.0.0.1", "localhost"],
    help="Comma-separated host names this instance answers to.",
)

DATABASES = {
    "default": dj_database_url.parse(
        config(
            "DATABASE_URL",
            f"sqlite:///{BASE_DIR / 'var' / 'estafette.sqlite3'}",
            help="Database URL; SQLite file under var/ by default, "
            "e.g. postgres://postgres@127.0.0.1:5432/estafette in production.",
        ),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a demo build or sweep writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the scope's correlated sub-selects make the planner's cost
    # estimates huge, and compiling them took 2 of the caseload's 2.2 seconds for a
    # query that then ran in 5 ms (decision 0009). OLTP pages never gain from JIT.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

INSTALLED_APPS = [
    # Django's admin, on a site that also asks for the second factor (core/admin_site.py).
    "estafette.core.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "estafette.core",
    "estafette.organisations",
    "estafette.people",
    "estafette.trajectories",
    "estafette.handovers",
    "estafette.consent",
    "estafette.access",
    "estafette.demo",
    "estafette.norms",
    "estafette.signals",
    "estafette.conditions",
    "estafette.visits",
    "estafette.intake",
    "estafette.portal",
    "estafette.personal_plan",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every response Django answers is kept out of caches (no-store, private): a shared
    # computer keeps no person's file after sign-out. Static files are answered before it
    # (WhiteNoise, inserted right after the security middleware in production).
    "estafette.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "estafette.core.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "estafette.core.sessions.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "estafette.organisations.middleware.ActorMiddleware",
    "estafette.core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged by the backend into our page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "estafette.organisations.context_processors.actor",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "caseload"
LOGOUT_REDIRECT_URL = "login"

# --- Signing in: password (Argon2), second factor, throttling, sessions (docs/security.md) ---

# The throttling backend comes first: it refuses a locked-out username+address before
# the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ESTAFETTE_REQUIRE_2FA = config(
    "ESTAFETTE_REQUIRE_2FA",
    True,
    help="Ask every professional for a second factor (an authenticator app code) after the "
    "password, on every page of a person's file and in the admin. Only switch off on a "
    "machine without real data.",
)
OTP_TOTP_ISSUER = "Estafette"
# Exponential back-off after each wrong code (1, 2, 4, 8 … seconds); these are
# django-otp's defaults, stated here because the sign-in depends on them.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret key

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
# Per username *and* address: an attacker elsewhere cannot lock a colleague out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "estafette.core.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "estafette.core.signin.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in our own audit log
ESTAFETTE_PROXY_COUNT = config(
    "ESTAFETTE_PROXY_COUNT",
    0,
    help="Number of reverse proxies in front of the application that append to "
    "X-Forwarded-For (1 behind one nginx); 0 trusts only the connection's own address. "
    "Used to throttle failed sign-ins per address.",
)

SESSION_COOKIE_AGE = config(
    "ESTAFETTE_SESSION_SECONDS",
    8 * 3600,
    help="Longest a sign-in lasts, in seconds, however active (default 8 hours).",
)
ESTAFETTE_IDLE_SECONDS = config(
    "ESTAFETTE_IDLE_SECONDS",
    30 * 60,
    help="Sign out after this many seconds without a request (default 30 minutes).",
)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    SRC_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = (
    "/media/"  # never served publicly: evidence is downloaded through views that check access
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Nothing inline: the templates carry no <script> bodies, style attributes or event
# handlers, and htmx is told not to inject styles (base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Browser features no page of Estafette uses, switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# --- E-mail about new signals (docs/notifications.md) ---
# The outbox (signals.OutgoingEmail) sends through Django's mail backend; SMTP by default.
# `make run` (config.settings.dev) writes mail to files under var/mail/ instead.
EMAIL_BACKEND = config(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend",
    help="Django mail backend. SMTP by default; the development settings write mail to "
    "files in var/mail/ unless this is set.",
)
EMAIL_HOST = config("EMAIL_HOST", "localhost", help="SMTP server that sends Estafette's e-mail.")
EMAIL_PORT = config("EMAIL_PORT", 25, help="Port of the SMTP server (587 with STARTTLS).")
EMAIL_HOST_USER = config("EMAIL_HOST_USER", "", help="User name at the SMTP server, if any.")
EMAIL_HOST_PASSWORD = config("EMAIL_HOST_PASSWORD", "", help="Password at the SMTP server, if any.")
EMAIL_USE_TLS = config(
    "EMAIL_USE_TLS", False, help="Upgrade the SMTP connection with STARTTLS (port 587)."
)
EMAIL_USE_SSL = config(
    "EMAIL_USE_SSL", False, help="Connect to the SMTP server over TLS from the start (port 465)."
)
EMAIL_TIMEOUT = config(
    "EMAIL_TIMEOUT", 30, help="Seconds to wait for the SMTP server before trying again later."
)
DEFAULT_FROM_EMAIL = config(
    "DEFAULT_FROM_EMAIL",
    "Estafette <noreply@localhost>",
    help="Sender address of Estafette's e-mail.",
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ESTAFETTE_SITE_URL = config(
    "ESTAFETTE_SITE_URL",
    "http://127.0.0.1:8000",
    help="Address of this instance as users reach it (https://… in production); the only "
    "link an e-mail carries.",
)
ESTAFETTE_EMAIL_MAX_ATTEMPTS = config(
    "ESTAFETTE_EMAIL_MAX_ATTEMPTS",
    8,
    help="Attempts to send one e-mail before it is marked failed (shown in the admin).",
)
ESTAFETTE_EMAIL_RETRY_SECONDS = config(
    "ESTAFETTE_EMAIL_RETRY_SECONDS",
    60,
    help="Wait after the first failed attempt; doubles after each further one (at most 6 hours).",
)
ESTAFETTE_DIGEST_HOUR = config(
    "ESTAFETTE_DIGEST_HOUR",
    7,
    help="Hour of the day (0-23, Dutch time) from which the daily e-mail summary goes out.",
)

# --- The person's own pages: text messages with a sign-in code (docs/portal.md) ---
ESTAFETTE_TEXT_MESSAGE_SENDER = config(
    "ESTAFETTE_TEXT_MESSAGE_SENDER",
    "estafette.portal.text_messages.FileSender",
    help="Dotted path of the class that sends text messages (sign-in codes). The default "
    "writes them to files in ESTAFETTE_TEXT_MESSAGE_DIR; connect a real provider in "
    "production (docs/portal.md).",
)
ESTAFETTE_TEXT_MESSAGE_DIR = config(
    "ESTAFETTE_TEXT_MESSAGE_DIR",
    str(BASE_DIR / "var" / "text-messages"),
    help="Folder the file sender of text messages writes to (development).",
)

# The clock can be frozen for demos and bench runs; see estafette.core.clock.
# Need-to-know access (estafette.access.policy) and consent evidence.
ESTAFETTE_EARLIER_HOLDER_DAYS = config(
    "ESTAFETTE_EARLIER_HOLDER_DAYS",
    90,
    help="Days an organisation that handed the baton on keeps seeing the file (with consent).",
)
ESTAFETTE_EMERGENCY_ACCESS_HOURS = config(
    "ESTAFETTE_EMERGENCY_ACCESS_HOURS",
    4,
    help="How long emergency access to a file lasts once opened with a reason.",
)
ESTAFETTE_EVIDENCE_MAX_BYTES = config(
    "ESTAFETTE_EVIDENCE_MAX_BYTES",
    10 * 1024 * 1024,
    help="Largest upload of a signed consent form (PDF, PNG or JPEG), in bytes.",
)

ESTAFETTE_TODAY = config(
    "ESTAFETTE_TODAY",
    "",
    help="Freeze the application's 'today' (YYYY-MM-DD), e.g. to replay the demo; "
    "empty: the real date.",
)

# --- Background work (docs/background-work.md) ---
# The Django tasks API (django-tasks, the backport of Django 6's django.tasks) with the
# database backend of django-tasks-db: tasks are rows in our own database, run by
# `manage.py db_worker` (`make run` starts one). No broker; on PostgreSQL several workers
# share the queue (rows are claimed with SELECT … FOR UPDATE SKIP LOCKED).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
ESTAFETTE_SWEEP_HOUR = config(
    "ESTAFETTE_SWEEP_HOUR",
    6,
    help="Hour of the day (0-23, Dutch time) at which the worker runs the daily sweep of "
    "every live trajectory's signals (the time-driven rules).",
)

# --- The audit log's keyed hash chain (docs/security.md, decision 0014) ---
ESTAFETTE_AUDIT_KEY = config(
    "ESTAFETTE_AUDIT_KEY",
    "",
    help="Secret key of the audit log's hash chain (HMAC-SHA256), at least 32 characters; "
    "never stored in the database. Required in production, or ESTAFETTE_AUDIT_KEY_FILE.",
)
ESTAFETTE_AUDIT_KEY_FILE = config(
    "ESTAFETTE_AUDIT_KEY_FILE",
    "",
    help="File holding the audit key instead (readable by the application only). "
    "Development: var/audit.key, made with a random key on first use.",
)
ESTAFETTE_AUDIT_KEY_GENERATE = False
"""Make the key file on first use: the development and test settings only."""
ESTAFETTE_AUDIT_HEAD_DIR = config(
    "ESTAFETTE_AUDIT_HEAD_DIR",
    str(BASE_DIR / "var" / "audit-head"),
    help="Directory the daily export of the audit chain's head is written to "
    "(<date>.json); copy it off the machine, e.g. with the backups.",
)
ESTAFETTE_AUDIT_HEAD_MAIL = config(
    "ESTAFETTE_AUDIT_HEAD_MAIL",
    False,
    help="Also e-mail the daily head of the audit chain (numbers and a hash, no personal "
    "data) to the administrators (ESTAFETTE_ADMINS).",
)
ADMINS = [
    (address, address)
    for address in config(
        "ESTAFETTE_ADMINS",
        [],
        help="Comma-separated e-mail addresses of the administrators of this instance "
        "(the audit chain's daily head, Django's error mails).",
    )
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
