"""Django settings for Safetrail, read from the environment.

The README lists every variable. Defaults give a local SQLite install that
works with no set-up; production sets DATABASE_URL, SECRET_KEY and
ALLOWED_HOSTS and leaves SAFETRAIL_HTTPS on.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from safetrail.env import env_bool, env_int, env_list, env_str, secret_key

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent

DATA_DIR = Path(env_str("SAFETRAIL_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(DATA_DIR)
SAFETRAIL_SECRET_KEY_GENERATED = not env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

# --- Safetrail's own settings -------------------------------------------------

SAFETRAIL_SITE_NAME = env_str("SAFETRAIL_SITE_NAME", "Safetrail")
# A neutral title, so a tab or the history list does not say what this site is.
SAFETRAIL_PAGE_TITLE = env_str("SAFETRAIL_PAGE_TITLE", "Notes")
# Page titles name the page only when an operator turns this on: a title ends
# up in the browser's history and tab list, where someone else may see it.
SAFETRAIL_DESCRIPTIVE_TITLES = env_bool("SAFETRAIL_DESCRIPTIVE_TITLES", False)
SAFETRAIL_EXIT_URL = env_str("SAFETRAIL_EXIT_URL", "https://www.bbc.co.uk/news")
SAFETRAIL_HTTPS = env_bool("SAFETRAIL_HTTPS", True)
# Risk checklists: the first is the default. A deployment may add its own
# (for example a licensed S-DASH wording) as a comma-separated list of files.
SAFETRAIL_CHECKLIST_FILES = [
    Path(path)
    for path in env_list(
        "SAFETRAIL_CHECKLIST_FILES",
        [str(PACKAGE_DIR / "risk" / "checklists" / "safetrail-stalking-risk.json")],
    )
]
SAFETRAIL_SUPPORT_SERVICES_FILE = Path(
    env_str(
        "SAFETRAIL_SUPPORT_SERVICES_FILE", str(PACKAGE_DIR / "advice" / "data" / "services.json")
    )
)

# Signing in and the vault. Argon2id costs are stored with each wrapped key,
# so raising them later only affects keys wrapped from then on.
SAFETRAIL_KDF_MEMORY_KIB = env_int("SAFETRAIL_KDF_MEMORY_KIB", 131072)
SAFETRAIL_KDF_PASSES = env_int("SAFETRAIL_KDF_PASSES", 4)
SAFETRAIL_KDF_LANES = env_int("SAFETRAIL_KDF_LANES", 1)
# The largest evidence file one upload may carry (default 2 GiB).
SAFETRAIL_MAX_UPLOAD_BYTES = env_int("SAFETRAIL_MAX_UPLOAD_BYTES", 2 * 1024**3)
SAFETRAIL_IDLE_TIMEOUT_SECONDS = env_int("SAFETRAIL_IDLE_TIMEOUT_MINUTES", 15) * 60
SAFETRAIL_IDLE_WARNING_SECONDS = env_int("SAFETRAIL_IDLE_WARNING_SECONDS", 120)
# Street Safe (docs/streetsafe.md). The public map shows a cell only when at
# least K reports from K different days fall in it, at a coarse resolution.
SAFETRAIL_STREETSAFE_K = env_int("SAFETRAIL_STREETSAFE_K", 5)
SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION = env_int("SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION", 8)
# Exact points (and notes) are kept for analysts this long, then cleared by
# `safetrail streetsafe-purge`; cell counts stay.
SAFETRAIL_STREETSAFE_RETENTION_DAYS = env_int("SAFETRAIL_STREETSAFE_RETENTION_DAYS", 365)
# Base map tiles, e.g. https://tiles.example.org/{z}/{x}/{y}.png. None by
# default: the map is then a plain grid, and no other host is ever contacted.
SAFETRAIL_STREETSAFE_TILE_URL = env_str("SAFETRAIL_STREETSAFE_TILE_URL", "")
SAFETRAIL_STREETSAFE_TILE_ATTRIBUTION = env_str("SAFETRAIL_STREETSAFE_TILE_ATTRIBUTION", "")
# The area the service covers, "south,west,north,east" in degrees: the map
# opens on it and the no-JavaScript grid divides it into squares.
SAFETRAIL_STREETSAFE_AREA = env_list(
    "SAFETRAIL_STREETSAFE_AREA", ["51.48", "-0.20", "51.54", "-0.05"]
)
# The largest data.police.uk CSV an analyst may import (default 100 MB).
SAFETRAIL_STREETSAFE_POLICE_MAX_BYTES = env_int(
    "SAFETRAIL_STREETSAFE_POLICE_MAX_BYTES", 100 * 1024 * 1024
)
SAFETRAIL_STREETSAFE_GRID_SIZE = env_int("SAFETRAIL_STREETSAFE_GRID_SIZE", 8)
SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = env_int("SAFETRAIL_STREETSAFE_REPORTS_PER_DAY", 10)
SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = env_int(
    "SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY", 3
)
SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_HOUR = env_int(
    "SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_HOUR", 200
)
# The proof-of-work challenge's difficulty: the most numbers a browser may
# need to try (about a second on an old phone at the default).
SAFETRAIL_STREETSAFE_POW_MAX_NUMBER = env_int("SAFETRAIL_STREETSAFE_POW_MAX_NUMBER", 50_000)
# Past REPORTS_PER_DAY, a sender (often many people behind one address: a
# phone network, a college, a refuge's Wi-Fi) may send this many more a day,
# each with a harder proof of work: twice the work every
# SAFETRAIL_STREETSAFE_HARDER_STEP reports, at most 16 times.
SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = env_int(
    "SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY", 50
)
SAFETRAIL_STREETSAFE_HARDER_STEP = env_int("SAFETRAIL_STREETSAFE_HARDER_STEP", 10)
# Reports a sender may start a day (each start keeps a sealed draft for two hours).
SAFETRAIL_STREETSAFE_DRAFTS_PER_DAY = env_int("SAFETRAIL_STREETSAFE_DRAFTS_PER_DAY", 200)
SAFETRAIL_VAULT_COOKIE_NAME = "vault"
SAFETRAIL_DEVICE_COOKIE_NAME = "device"

# --- Django -------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "safetrail.safety",
    "safetrail.vault",
    "safetrail.accounts",
    "safetrail.diary",
    "safetrail.risk",
    "safetrail.evidence",
    "safetrail.streetsafe",
    "safetrail.advice",
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "accounts:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "safetrail.safety.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost after static files, so every response below it (redirects and
    # early answers from other middleware included) is marked no-store.
    "safetrail.safety.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "safetrail.accounts.middleware.AccountSessionMiddleware",
    "safetrail.vault.middleware.VaultErrorMiddleware",
]

ROOT_URLCONF = "safetrail.urls"
WSGI_APPLICATION = "safetrail.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safetrail.safety.context_processors.safety",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'safetrail.sqlite3'}"),
        conn_max_age=env_int("SAFETRAIL_DB_CONN_MAX_AGE", 0),
        # A kept connection is tried before a request uses it, so a database
        # restart costs no failed request. (Nothing to check with the default 0.)
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets readers and one writer work at once; IMMEDIATE avoids
    # "database is locked" errors on upgrades from read to write.
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages ----------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("cy", _("Welsh"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/London"
USE_TZ = True

# --- Static files -------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "build" / "collected-static"
# Built by `make assets`: our stylesheet, and the few files we serve from the
# front-end packages (copied by scripts/copy-assets.mjs, nothing else of them).
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Apart from the vault's encrypted file store (DATA_DIR / "files"):
        # Safetrail itself never writes through Django's default storage.
        "OPTIONS": {"location": DATA_DIR / "django-storage"},
    },
    "staticfiles": {"BACKEND": "safetrail.safety.static.StaticStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_ALLOW_ALL_ORIGINS = False

# --- Cache ------------------------------------------------------------------
# Street Safe's rate limits and their daily key live only here, never on disk.
# One process: memory. Several (gunicorn workers, servers): a Redis that keeps
# nothing on disk, so every process shares the same counts.
if env_str("SAFETRAIL_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("SAFETRAIL_REDIS_URL"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# --- Sessions, cookies and HTTPS ---------------------------------------------

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SAFETRAIL_SESSION_MAX_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_NAME = "csrftoken"
CSRF_COOKIE_HTTPONLY = True
# Lax, not Strict: with Strict, following a link to the site from another one
# arrives without the cookie, so a new one replaces it, and a form (or a
# Street Safe report in progress, whose draft is tied to it) in another tab
# stops working. Lax still keeps it off cross-site POSTs.
CSRF_COOKIE_SAMESITE = "Lax"
# Gone when the browser closes: Django's default keeps it a year, a trace on a
# shared or watched device that someone used this site.
CSRF_COOKIE_AGE = None
CSRF_FAILURE_VIEW = "safetrail.safety.views.csrf_failure"

SESSION_COOKIE_SECURE = SAFETRAIL_HTTPS
CSRF_COOKIE_SECURE = SAFETRAIL_HTTPS
SECURE_SSL_REDIRECT = SAFETRAIL_HTTPS and env_bool("SAFETRAIL_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SAFETRAIL_BEHIND_PROXY = env_bool("SAFETRAIL_BEHIND_PROXY", False)
SAFETRAIL_PROXY_ADDRESSES = frozenset(env_list("SAFETRAIL_PROXY_ADDRESSES", ["127.0.0.1", "::1"]))
if SAFETRAIL_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SAFETRAIL_HSTS_SECONDS", 63072000) if SAFETRAIL_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SAFETRAIL_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SAFETRAIL_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Logging ------------------------------------------------------------------
# Nothing that identifies a visitor is ever written: no IP addresses, no query
# strings, no request bodies. The filter scrubs every record on every handler.

LOG_LEVEL = env_str("SAFETRAIL_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "safetrail.safety.logging.ScrubFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["scrub"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # gunicorn's own loggers keep gunicorn's handlers, scrubbed by the same
    # filter (see safety/gunicorn_logging.py).
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
# Django mails tracebacks with request details to ADMINS; Safetrail never does.
ADMINS: list[tuple[str, str]] = []
