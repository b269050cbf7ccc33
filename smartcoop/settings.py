"""Settings for smartcoop: one file, driven by environment variables.

With no variables set the project runs embedded (SQLite, eager Celery, console
email, local media) so `make run` works on a fresh machine. Setting
DATABASE_URL, REDIS_URL and EMAIL_URL switches each part to production.
"""

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
EMAIL_URL = env_str("EMAIL_URL")
PRODUCTION = bool(DATABASE_URL)

_EMBEDDED_SECRET = "embedded-only-not-secret-smartcoop-development-key-0123456789"
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else _EMBEDDED_SECRET)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is set.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "smartcoop.apps.CoopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "django_celery_beat",
    "djmoney",
    "django_countries",
    "simple_history",
    "smartcoop.apps.SmartcoopConfig",
    "rules",
    "members",
    "shares",
    "invoicing",
    "workspaces",
    "documents",
    "einvoicing",
    "governance",
    "pay",
    "compliance",
    "dashboard",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "members.middleware.MemberLanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "smartcoop.urls"
WSGI_APPLICATION = "smartcoop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / ".dev" / "db.sqlite3")),
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue
            # instead of failing halfway with "database is locked".
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth rate limits need a shared one in production) ---------------
REDIS_CACHE_URL = env_str("REDIS_CACHE_URL", REDIS_URL)
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "smartcoop.cache.ResilientRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "smartcoop"),
            # A hung Redis must never hang a request.
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth and accounts (django-allauth) ------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
# Staff without a member profile land on the back office instead.
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up says plainly when an email is taken (issue 2, Bad input); the rate
# limits below keep enumeration slow.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[smartcoop] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS_DISABLED = False  # allauth's defaults stay on (see docs/operations.md)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "smartcoop"
# Accept the code of the previous or next 30-second step: a code typed at the
# end of its step must not fail on arrival (RFC 6238, section 5.2).
MFA_TOTP_TOLERANCE = 1
# Development only (allauth refuses it unless DEBUG): `make run` sets it so the
# demo staff login works without an authenticator app.
MFA_TOTP_INSECURE_BYPASS_CODE = env_str("MFA_TOTP_INSECURE_BYPASS_CODE") or None
# Activity tracking would write a row on every request; sessions are listed without it.
USERSESSIONS_TRACK_ACTIVITY = False
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For to trust,
# so rate limits count the client's address, not the proxy's.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- Email ------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "smartcoop <noreply@smartcoop.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_URL:
    _email = dj_email_url.parse(EMAIL_URL)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("nl", "Nederlands"), ("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
FORMAT_MODULE_PATH = ["smartcoop.formats"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
CURRENCIES = ("EUR",)
DEFAULT_CURRENCY = "EUR"

# --- Static and media -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / ".dev" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Rendered invoices, credit notes and exports: private (never under MEDIA_URL),
# downloaded only through views that check who asks.
DOCUMENTS_ROOT = Path(env_str("DOCUMENTS_ROOT", str(MEDIA_ROOT / "documents")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DOCUMENTS_ROOT), "base_url": "/unused/"},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Celery -----------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL) or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A hung or stopped Redis must never block a request: publish fails fast and
# the periodic sweeps re-enqueue whatever was not sent.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 1,
    "socket_connect_timeout": 1,
    "max_retries": 0,
    # An unacknowledged task (its worker died) goes back to the queue after this.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Rendering has its own queue, so a flood of renders never delays an email;
# its workers run `-Q documents` (docker-compose.yml), everything else `-Q celery`.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "documents.render": {"queue": "documents"},
    "documents.export_build": {"queue": "documents"},
}
# Worker memory stays bounded: a pool process is replaced after this many
# tasks, or once its resident memory passes this many KiB.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 200)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000)

# --- Documents and delivery -------------------------------------------------------
# The sweep re-enqueues an issued document still missing after this long.
DOCUMENTS_SWEEP_AFTER_SECONDS = env_int("DOCUMENTS_SWEEP_AFTER_SECONDS", 180)
# The nightly compliance check reports an issued document still missing its
# PDF or UBL only this long after issue: the sweep and the render queue first.
COMPLIANCE_DOCUMENT_GRACE_SECONDS = env_int("COMPLIANCE_DOCUMENT_GRACE_SECONDS", 3600)
# Re-hashing every stored file each night does not scale: each night the check
# verifies the documents whose id % slices is the day's (each one once every
# `slices` nights), plus every document it has an open finding about.
COMPLIANCE_DOCUMENT_SLICES = env_int("COMPLIANCE_DOCUMENT_SLICES", 30)
# An invoice that must go over Peppol and is not delivered this long after
# issue (or after its transmission failed or got stuck) is a finding.
COMPLIANCE_PEPPOL_GRACE_SECONDS = env_int("COMPLIANCE_PEPPOL_GRACE_SECONDS", 86400)
# An email that fails is retried with exponential backoff (base x 4^n seconds)
# and shown as failed after this many attempts.
# --- E-invoicing (Peppol) -----------------------------------------------------------
# The access point provider's API (invoicing/access_point.py); empty: none
# (embedded mode), transmissions wait as "queued" and say why.
PEPPOL_ACCESS_POINT_URL = env_str("PEPPOL_ACCESS_POINT_URL")
PEPPOL_ACCESS_POINT_TOKEN = env_str("PEPPOL_ACCESS_POINT_TOKEN")
PEPPOL_MAX_ATTEMPTS = env_int("PEPPOL_MAX_ATTEMPTS", 6)
PEPPOL_RETRY_BASE_SECONDS = env_int("PEPPOL_RETRY_BASE_SECONDS", 60)
# The official CEN/Peppol rule files and UBL schemas (staff validation in the
# admin, and the tests); empty: ../shared/peppol beside the project if there.
PEPPOL_RULES_DIR = env_str("PEPPOL_RULES_DIR")

EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", "smartcoop.example")
INVOICE_EMAIL_MAX_ATTEMPTS = env_int("INVOICE_EMAIL_MAX_ATTEMPTS", 5)
INVOICE_EMAIL_RETRY_BASE_SECONDS = env_int("INVOICE_EMAIL_RETRY_BASE_SECONDS", 30)

# --- Field encryption (national register numbers) ---------------------------------
# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DATABASE_URL is set.")
    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
    ]

# --- The cooperative ---------------------------------------------------------------
COOPERATIVE_NAME = env_str("COOPERATIVE_NAME", "smartcoop CV/SC")
COOPERATIVE_ENTERPRISE_NUMBER = env_str("COOPERATIVE_ENTERPRISE_NUMBER", "0896755397")
COOPERATIVE_ADDRESS = env_str("COOPERATIVE_ADDRESS", "Rue Coenraets 72, 1060 Saint-Gilles")
# The account share payments go to (members pay by structured transfer).
COOPERATIVE_IBAN = env_str("COOPERATIVE_IBAN", "BE62630253082961")
COOPERATIVE_BIC = env_str("COOPERATIVE_BIC", "")
# The register of legal entities and the enterprise court of the seat (WVV/CSA
# art. 2:20), printed next to the enterprise number, as each language writes it.
COOPERATIVE_REGISTER = {
    "nl": env_str("COOPERATIVE_REGISTER_NL", "RPR Brussel, Franstalige afdeling"),
    "fr": env_str("COOPERATIVE_REGISTER_FR", "RPM Bruxelles, division francophone"),
    "en": env_str("COOPERATIVE_REGISTER_EN", "RLE Brussels, French-speaking division"),
}

# --- Security ---------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_COOKIES = env_bool("SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe over plain http
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
else:
    SECURE_HSTS_PRELOAD = False

# HSTS preloading is the domain owner's decision, not a default.
SILENCED_SYSTEM_CHECKS = ["security.W021"] if PRODUCTION and not SECURE_HSTS_PRELOAD else []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
