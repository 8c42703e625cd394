"""Settings shared by every profile; everything that varies comes from the environment.

Profiles: ``motcua.settings`` (development, the default), ``motcua.settings.production``
and ``motcua.settings.test``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Where the embedded database and uploaded files live; a checkout keeps them in ./var.
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "motcua.workspace.apps.MotcuaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "motcua.core",
    "motcua.organization",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.workflow",
    "motcua.notifications",
    "motcua.queueing",
    "motcua.workspace",
    "motcua.portal",
    "motcua.api",
    # The API's documentation page loads Swagger UI from ninja's static files, not a CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "motcua.workspace.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "motcua.urls"
ASGI_APPLICATION = "motcua.asgi.application"
WSGI_APPLICATION = "motcua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "motcua.workspace.context_processors.navigation",
            ],
        },
    },
]


def database_config() -> dict[str, Any]:
    """DATABASE_URL when given; otherwise the embedded SQLite file in WAL mode."""
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(
            url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0"))
        )
        return dict(config)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "motcua.sqlite3",
        "OPTIONS": {
            # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue instead of failing with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organization.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first; English is a complete translation.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(10 * 60 * 60)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The hour after which a "same day" procedure counts from the next working day, used when a
# work schedule does not set its own.
MOTCUA_SAME_DAY_CUTOFF = os.environ.get("MOTCUA_SAME_DAY_CUTOFF", "15:00")

AUTHENTICATION_BACKENDS = [
    # Passwords as Django checks them; permissions from motcua's capabilities only.
    "motcua.organization.backends.CapabilityBackend",
]

# Dossier documents (see docs/documents.md).
MOTCUA_MAX_UPLOAD_BYTES = int(os.environ.get("MOTCUA_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
MOTCUA_DOCUMENT_SIGNER = os.environ.get("MOTCUA_DOCUMENT_SIGNER", "local-ed25519")
MOTCUA_IDENTITY_CHECKER = os.environ.get("MOTCUA_IDENTITY_CHECKER", "local")
MOTCUA_VNEID_URL = os.environ.get("MOTCUA_VNEID_URL", "")
MOTCUA_VNEID_TOKEN = os.environ.get("MOTCUA_VNEID_TOKEN", "")
MOTCUA_VNEID_TIMEOUT = float(os.environ.get("MOTCUA_VNEID_TIMEOUT", "5"))
# The public address printed in QR codes of receipts (opens the public lookup).
MOTCUA_PUBLIC_BASE_URL = os.environ.get("MOTCUA_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# WhiteNoise serves static files with a synchronous file iterator; under ASGI Django warns on
# every such response. The files are small and the warning says nothing actionable.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

# --- Notifications outbox and the worker (docs/notifications.md) -----------------------------
# Which implementation delivers each kind: e-mail "smtp" or "console", SMS "http" or "console".
# Development writes every message to the log; production sets both.
MOTCUA_NOTIFICATION_CHANNELS = {
    "email": os.environ.get("MOTCUA_EMAIL_CHANNEL", "console"),
    "sms": os.environ.get("MOTCUA_SMS_CHANNEL", "console"),
}
# Attempts of one message before it is marked failed (retries back off 1, 2, 4, … minutes).
MOTCUA_NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("MOTCUA_NOTIFICATION_MAX_ATTEMPTS", "8"))
MOTCUA_SMS_GATEWAY_URL = os.environ.get("MOTCUA_SMS_GATEWAY_URL", "")
MOTCUA_SMS_GATEWAY_TOKEN = os.environ.get("MOTCUA_SMS_GATEWAY_TOKEN", "")
MOTCUA_SMS_GATEWAY_TIMEOUT = float(os.environ.get("MOTCUA_SMS_GATEWAY_TIMEOUT", "10"))
# The SMTP server of the "smtp" e-mail channel (Django's names, from the environment).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
# What `motcua worker` runs on every pass: dotted paths of callables job(now=...) -> int.
# The sweeper first, so the warnings it queues leave in the same pass.
MOTCUA_WORKER_JOBS = env_list(
    "MOTCUA_WORKER_JOBS",
    "motcua.workflow.sweeper.sweep,motcua.queueing.booking.release_no_shows,"
    "motcua.queueing.services.close_past_days,"
    "motcua.notifications.services.deliver_due",
)
# --- end of notifications and worker ---------------------------------------------------------


# --- The counter floor's display boards (motcua.queueing; docs/queueing.md) -------------------
# How often a web process checks a center's floor version for its boards, how long one event
# stream lives before the board reconnects, and the keep-alive ping.
MOTCUA_BOARD_POLL_SECONDS = float(os.environ.get("MOTCUA_BOARD_POLL_SECONDS", "0.2"))
MOTCUA_BOARD_STREAM_SECONDS = int(os.environ.get("MOTCUA_BOARD_STREAM_SECONDS", "3600"))
MOTCUA_BOARD_HEARTBEAT_SECONDS = float(os.environ.get("MOTCUA_BOARD_HEARTBEAT_SECONDS", "15"))
# Server-side Vietnamese speech of the calls, for boards whose browser has no Vietnamese voice
# (text on stdin, WAV on stdout; "" turns it off).
MOTCUA_TTS_COMMAND = os.environ.get("MOTCUA_TTS_COMMAND", "espeak-ng -v vi --stdout")
MOTCUA_TTS_CACHE_DIR = VAR_DIR / "cache" / "tts"
# --- end of the counter floor ------------------------------------------------------------------


# --- Digital signatures on result PDFs (motcua.workflow.pdfsign; docs/result-signing.md) -----
# MOTCUA_RESULT_SIGNER: the signer, as JSON in the environment, e.g.
#   {"kind": "pkcs11", "module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "motcua",
#    "pin_env": "MOTCUA_SIGNER_PIN", "key_label": "signer"}
# "none" turns signing off. Unset: the development certificate var/signing/dev-signer.p12 when
# `motcua pdfsign dev-cert` has written it, otherwise None (signing unavailable).
def _result_signer_config() -> dict[str, Any] | None:
    import json

    from django.core.exceptions import ImproperlyConfigured

    raw = os.environ.get("MOTCUA_RESULT_SIGNER", "").strip()
    if raw.lower() in {"none", "off"}:
        return None
    if raw:
        try:
            config = json.loads(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"MOTCUA_RESULT_SIGNER is not valid JSON: {exc}") from exc
        if not isinstance(config, dict):
            raise ImproperlyConfigured('MOTCUA_RESULT_SIGNER must be a JSON object {"kind": …}')
        return config
    dev_signer = VAR_DIR / "signing" / "dev-signer.p12"
    if dev_signer.is_file():
        return {
            "kind": "pkcs12",
            "path": str(dev_signer),
            "passphrase_env": "MOTCUA_SIGNER_PASSPHRASE",
        }
    return None


MOTCUA_RESULT_SIGNER = _result_signer_config()
# Certificates (PEM or DER files, comma-separated) that signatures must chain to; production
# lists the national root CA (NEAC). The dev CA (var/signing/dev-ca.pem) only when set here.
MOTCUA_RESULT_SIGNER_TRUST_ROOTS = env_list("MOTCUA_RESULT_SIGNER_TRUST_ROOTS")
# Ask the CAs' OCSP responders / CRLs whether certificates were revoked (network access).
MOTCUA_RESULT_SIGNER_CHECK_REVOCATION = env_bool("MOTCUA_RESULT_SIGNER_CHECK_REVOCATION", False)
# --- end of digital signatures on result PDFs -------------------------------------------------
