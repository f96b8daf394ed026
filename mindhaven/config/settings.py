"""Mindhaven settings: one module, driven by environment variables.

MINDHAVEN_ENV is development (default), production or test. Everything a
deployment changes comes from the environment; nothing secret lives here.
"""

import secrets
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from mindhaven.core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = env_str("MINDHAVEN_ENV") or ("test" if "pytest" in sys.modules else "development")
if ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"MINDHAVEN_ENV must be development, production or test, not {ENV!r}"
    )
PRODUCTION = ENV == "production"
TESTING = ENV == "test"

DATA_DIR = Path(env_str("MINDHAVEN_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# --- secrets ---------------------------------------------------------------
DEFAULT_SECRET_KEY_MARKERS = ("change-me", "changeme", "django-insecure", "secret")


def _secret_key() -> str:
    key = env_str("MINDHAVEN_SECRET_KEY")
    if PRODUCTION:
        if not key or len(key) < 50 or key.lower().startswith(DEFAULT_SECRET_KEY_MARKERS):
            raise ImproperlyConfigured(
                "MINDHAVEN_SECRET_KEY must be set to a random value of at least 50 characters "
                "in production (python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
            )
        return key
    if key:
        return key
    # Development and tests: generate once and keep it in the data directory.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _encryption_keys() -> list[str]:
    keys = env_list("MINDHAVEN_ENCRYPTION_KEYS", [])
    if keys or PRODUCTION:
        if not keys:
            raise ImproperlyConfigured(
                "MINDHAVEN_ENCRYPTION_KEYS must be set in production: comma-separated Fernet "
                "keys, the first encrypts (python3 -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())')"
            )
        return keys
    # Development and tests: one key, generated once and kept in the data directory.
    path = DATA_DIR / "encryption_key"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return [path.read_text().strip()]


# Free text people write is encrypted at rest with these (mindhaven.core.encryption).
ENCRYPTION_KEYS = _encryption_keys()
DEBUG = env_bool("MINDHAVEN_DEBUG", default=False) and not PRODUCTION

ALLOWED_HOSTS = env_list(
    "MINDHAVEN_ALLOWED_HOSTS",
    [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "MINDHAVEN_ALLOWED_HOSTS must list the host names this deployment answers to"
    )
CSRF_TRUSTED_ORIGINS = env_list("MINDHAVEN_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("MINDHAVEN_SITE_URL", "http://127.0.0.1:8000")

# --- applications ----------------------------------------------------------
INSTALLED_APPS = [
    "mindhaven.core",
    "mindhaven.accounts",
    "mindhaven.notifications",
    "mindhaven.safety",
    "mindhaven.mood",
    "mindhaven.care",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "csp",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "mindhaven.core.middleware.RequestIdMiddleware",
    "mindhaven.core.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mindhaven.accounts.middleware.UserLanguageMiddleware",
    "mindhaven.core.middleware.LoginRequiredMiddleware",
    "mindhaven.accounts.middleware.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "mindhaven.config.urls"
ASGI_APPLICATION = "mindhaven.config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mindhaven.core.context_processors.site",
            ],
        },
    }
]

# --- database --------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'mindhaven.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0 if TESTING else 60)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not memory, so that live servers in other processes share it.
    _db["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = _db["ENGINE"].startswith("django.db.backends.postgresql")

# --- channel layer and cache -----------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# How the channel layer talks to Redis. No socket timeout: channels_redis waits for
# messages with a 5-second blocking pop (redis-py 8's default 5 s timeout crashed every
# consumer quiet for 5 s), and with any socket timeout redis-py sends each command
# through asyncio.wait_for, which on Python 3.11 swallows a cancellation arriving as the
# send completes: a closing consumer's receive() then popped for ever. redis-py's TCP
# keepalive (on by default: 30 s idle, 3 probes 5 s apart) notices a dead Redis.
REDIS_CHANNEL_HOST = {"address": REDIS_URL, "socket_timeout": None, "socket_connect_timeout": 5}
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_CHANNEL_HOST],
                "prefix": env_str("MINDHAVEN_REDIS_PREFIX", "mh"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("MINDHAVEN_REDIS_PREFIX", "mh"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- background tasks (django-tasks, the backport of Django 6's tasks) -------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# --- accounts --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
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
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

SIGNUP_OPEN = env_bool("MINDHAVEN_SIGNUP_OPEN", default=True)
ACCOUNT_ADAPTER = "mindhaven.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("MINDHAVEN_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Mindhaven] "
# "Sudo mode": export, erasure, consent and 2FA changes ask for the password again
# when the last sign-in or confirmation is older than this.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 600
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
MFA_TOTP_ISSUER = "Mindhaven"
# Roles that must have a second factor before they reach anything sensitive.
MFA_REQUIRED_ROLES = {"clinician", "moderator", "admin"}

# Personal access tokens for the API.
API_TOKEN_DAYS = env_int("MINDHAVEN_API_TOKEN_DAYS", 30)

# Accounts unused for this many days are deleted, after a warning email 14 days
# before (and at least 7 days ahead). 0 turns retention off; `mindhaven
# apply-retention` applies it (daily, from cron).
RETENTION_DAYS = env_int("MINDHAVEN_RETENTION_DAYS", 0)
if RETENTION_DAYS != 0 and RETENTION_DAYS < 30:
    raise ImproperlyConfigured(
        "MINDHAVEN_RETENTION_DAYS must be 0 (off) or at least 30 days, so that people "
        "are warned in time"
    )

# --- safety alerts ---------------------------------------------------------
# An alert no clinician has acknowledged after this many minutes is emailed to the
# safety contact (`mindhaven escalate-alerts`, from cron); without a contact, to the
# administrators.
SAFETY_ESCALATION_MINUTES = env_int("MINDHAVEN_SAFETY_ESCALATION_MINUTES", 30)
SAFETY_CONTACT_EMAIL = env_str("MINDHAVEN_SAFETY_CONTACT_EMAIL")

# --- video calls (ICE) -----------------------------------------------------
# STUN and TURN servers for 1:1 video (comma-separated URLs, e.g.
# "stun:turn.example.org:3478" and "turn:turn.example.org:3478?transport=udp,
# turns:turn.example.org:5349?transport=tcp"). TURN is offered only with a secret:
# coturn's `static-auth-secret`; each person gets credentials valid for TTL seconds.
MINDHAVEN_STUN_URLS = env_list("MINDHAVEN_STUN_URLS", [])
MINDHAVEN_TURN_URLS = env_list("MINDHAVEN_TURN_URLS", [])
MINDHAVEN_TURN_SECRET = env_str("MINDHAVEN_TURN_SECRET")
MINDHAVEN_TURN_TTL = env_int("MINDHAVEN_TURN_TTL", 6 * 3600)
if MINDHAVEN_TURN_TTL < 60:
    raise ImproperlyConfigured("MINDHAVEN_TURN_TTL must be at least 60 seconds")
for _url in [*MINDHAVEN_STUN_URLS, *MINDHAVEN_TURN_URLS]:
    if not _url.startswith(("stun:", "stuns:", "turn:", "turns:")):
        raise ImproperlyConfigured(
            f"ICE server URL {_url!r} must start with stun:, stuns:, turn: or turns:"
        )
# Every call through the TURN relay, so that neither side learns the other's IP address
# (a member may not want their clinician to learn where they are). Needs TURN.
MINDHAVEN_ICE_RELAY_ONLY = env_bool("MINDHAVEN_ICE_RELAY_ONLY", default=False)
if MINDHAVEN_ICE_RELAY_ONLY and not (MINDHAVEN_TURN_URLS and MINDHAVEN_TURN_SECRET):
    raise ImproperlyConfigured(
        "MINDHAVEN_ICE_RELAY_ONLY needs MINDHAVEN_TURN_URLS and MINDHAVEN_TURN_SECRET"
    )

# --- email -----------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("MINDHAVEN_FROM_EMAIL", "Mindhaven <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
elif TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- languages and time ----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# 24-hour times in English too, as in booking and schedules (mindhaven/formats/en).
FORMAT_MODULE_PATH = ["mindhaven.formats"]
# The first wins: our wording of allauth's and Django's strings sits in the second
# so that makemessages (which writes the first) never marks it obsolete.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- static files ----------------------------------------------------------
STATIC_URL = "/static/"
# Tests serve from the apps' folders (finders), so they need no collected copy.
STATIC_ROOT = None if TESTING else DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests serve static files straight from the apps; deployments from STATIC_ROOT.
WHITENOISE_USE_FINDERS = TESTING
WHITENOISE_MAX_AGE = 3600
# Hashed names only, and no compressed copies of source maps: collectstatic stays quick.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br"),
    *("swf", "flv", "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4"),
    *("mpeg", "mpg", "wmv", "zst", "map"),
]

# --- security headers ------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, "ws:", "wss:"] if not PRODUCTION else [SELF, "wss:"],
        "media-src": [SELF, "blob:"],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("MINDHAVEN_SESSION_DAYS", 14) * 24 * 3600
CSRF_COOKIE_HTTPONLY = False  # the PWA's modules read it to send X-CSRFToken

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("MINDHAVEN_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("MINDHAVEN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("MINDHAVEN_HSTS_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("MINDHAVEN_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("MINDHAVEN_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        USE_X_FORWARDED_HOST = True

# --- logging ---------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MINDHAVEN_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- demo ------------------------------------------------------------------
# Printed by `mindhaven demo`; only demo personas use it.
DEMO_PASSWORD_DEFAULT = "haven-demo-2026"  # noqa: S105
DEMO_PASSWORD = env_str("MINDHAVEN_DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
