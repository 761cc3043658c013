"""Settings, read from environment variables (see the README's settings table).

Development works with no variable set: SQLite in var/, a generated SECRET_KEY and JWT key pair in
var/ (ignored by git). Production sets DEBUG=0 and supplies SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and the JWT key paths; nothing secret has a production default.
"""

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.keys import dev_secret_key, load_jwt_keys
from config.operations import celery_settings, init_sentry, logging_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Fails closed: without DEBUG=1 (which `make run` and `make test` set) the process is production
# and refuses to start without its secrets.
DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="") or (
    dev_secret_key(VAR_DIR / "secret_key") if DEBUG else ""
)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0.")

# Reverse proxies in front of the app: only then are their forwarded headers believed.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The back office's theme (issue 13): before django.contrib.admin, whose templates it replaces.
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "django_fsm",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "sequences.apps.SequencesConfig",
    "django_otp",  # staff two-factor (accounts.mfa): TOTP apps and one-time recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "entitlements",
    "environments",
    "services",
    "tickets",
    "mail",
    "audit",
    "ops",  # health, metrics, request logs, the mail outbox, failed tasks (issue 16)
    "django_prometheus",  # request and database metrics, served by ops at /metrics
    "backoffice",
    "portal",  # the client portal at /portal/ (issue 15)
    "bench",  # `manage.py load_scale_data`, the benchmark's loader (no models, no routes)
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: times the whole request
    "django.middleware.security.SecurityMiddleware",
    "config.request_scope.RequestScopeMiddleware",  # what a request resolved, kept for it alone
    "ops.middleware.RequestLogMiddleware",  # X-Request-ID, one JSON line per request (in the scope)
    "config.csp.CSPMiddleware",  # Content-Security-Policy on every HTML page
    "corsheaders.middleware.CorsMiddleware",  # before anything that may answer (CommonMiddleware)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.error_pages.FriendlyErrorPagesMiddleware",  # an empty 405 to a browser: a page
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): a second factor given
    "accounts.mfa.StaffMFAMiddleware",  # enrolled: the code first; STAFF_MFA_REQUIRED: enrol first
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last
]

ROOT_URLCONF = "config.urls"
# The benchmark's floor view (bench/floor.py) is routed only when asked for; never in production.
if env.bool("BENCH_FLOOR", default=False):
    ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False  # the API serves both spellings itself, never through a redirect

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# Every request that may write is one transaction: Django's views (the admin) through
# ATOMIC_REQUESTS, the API's views through config.api.ApiViewMixin, which leaves reads out.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling mode: no server-side cursors (QuerySet.iterator()).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DB_DISABLE_SERVER_SIDE_CURSORS", default=False
)
# Query counts and durations for /metrics: django-prometheus' subclass of the same backend.
if DATABASES["default"]["ENGINE"] in (
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
) and env.bool("METRICS_DATABASE", default=True):
    DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
        "django.db.backends", "django_prometheus.db.backends"
    )
# Prepared statements (psycopg's server-side binding) were measured and not kept: with
# PostgreSQL's generic plans they were 10-15 % faster until a generic plan, shared by every
# organization, read a large organization's whole ticket index for a filtered page (97 ms instead
# of 1 ms at a million tickets); planned per execution they were no faster (README, performance).

CACHE_URL = env.str("CACHE_URL", default="")
CACHES = {
    "default": env.cache_url("CACHE_URL")
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.EmailBackend",  # the one that checks passwords: one hash per attempt
    "accounts.backends.StaffBackOfficeBackend",  # staff may use the whole back office
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The business time zone decides which month an entitlement code and which year an SR number
# belongs to.
BUSINESS_TIME_ZONE = env.str("BUSINESS_TIME_ZONE", default="UTC")

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The SMTP server the workers send through (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # a hung server is an error to retry
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="desk@middag.example")
STAFF_NOTIFICATION_EMAIL = env.str("STAFF_NOTIFICATION_EMAIL", default="support@middag.example")
# E-mail in (mail app): the desk's main address opens requests; its domain carries the reply
# addresses, <MAIL_REPLY_LOCAL_PART>+SR-20260042.<hmac>@<domain>.
INBOUND_EMAIL_ADDRESS = env.str("INBOUND_EMAIL_ADDRESS", default="") or DEFAULT_FROM_EMAIL
MAIL_REPLY_LOCAL_PART = env.str("MAIL_REPLY_LOCAL_PART", default="")  # "" = the main address's
MAIL_INBOUND_MAX_BYTES = env.int("MAIL_INBOUND_MAX_BYTES", default=40 * 1024 * 1024)
MAIL_INBOUND_RATE = env.str("MAIL_INBOUND_RATE", default="20/h")  # per sender: stops mail loops
# The Mailgun inbound webhook (/mail/inbound/mailgun/) exists only with both: basic auth
# "user:password" and Mailgun's signing key.
MAIL_WEBHOOK_SECRET = env.str("MAIL_WEBHOOK_SECRET", default="")
MAILGUN_WEBHOOK_SIGNING_KEY = env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default="")
TICKET_AUTO_CLOSE_DAYS = env.int("TICKET_AUTO_CLOSE_DAYS", default=7)

API_THROTTLE_AUTH = env.str("API_THROTTLE_AUTH", default="5/min")
# Staff sign-in (accounts.mfa, README "Staff sign-in"): with STAFF_MFA_REQUIRED a staff member
# without an authenticator is sent to enrol at the next admin request; off in development so
# `make run`'s demo logins work. Whoever has enrolled gives a code at every door (admin and API).
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="MIDDAG service desk")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # superusers may delete a device, never read its secret
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

# Attachments (issue 14, tickets.attachments). Files live in STORAGES["attachments"]: a private
# folder outside the static files by default, an S3-compatible bucket (django-storages) when
# ATTACHMENT_S3_BUCKET is set. They are never served from a public URL: the app checks access and
# streams them, or hands off to the web server (ATTACHMENT_SENDFILE).
ATTACHMENT_ROOT = env.str("ATTACHMENT_ROOT", default=str(VAR_DIR / "attachments"))
ATTACHMENT_S3_BUCKET = env.str("ATTACHMENT_S3_BUCKET", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "attachments": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": ATTACHMENT_S3_BUCKET,
                "endpoint_url": env.str("ATTACHMENT_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("ATTACHMENT_S3_REGION", default="") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if ATTACHMENT_S3_BUCKET
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            # base_url None: the folder has no public URL; downloads go through the app.
            "OPTIONS": {"location": ATTACHMENT_ROOT, "base_url": None},
        }
    ),
}
ATTACHMENT_MAX_FILE_BYTES = env.int("ATTACHMENT_MAX_FILE_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env.int("ATTACHMENT_MAX_FILES", default=10)  # a message's files
ATTACHMENT_MAX_REQUEST_BYTES = env.int("ATTACHMENT_MAX_REQUEST_BYTES", default=100 * 1024 * 1024)
ATTACHMENT_MAX_FILENAME_CHARS = env.int("ATTACHMENT_MAX_FILENAME_CHARS", default=150)
# Types detected from the content (filetype's MIME names; text/plain and text/csv by our check).
ATTACHMENT_ALLOWED_TYPES = env.list(
    "ATTACHMENT_ALLOWED_TYPES",
    default=[
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/bmp",
        "image/tiff",
        "image/heic",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/gzip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    ],
)
# "" streams through the app; "x-accel-redirect" (nginx, under ATTACHMENT_SENDFILE_PREFIX, an
# `internal` location aliased to ATTACHMENT_ROOT) or "x-sendfile" (Apache, the file's path).
ATTACHMENT_SENDFILE = env.str("ATTACHMENT_SENDFILE", default="")
ATTACHMENT_SENDFILE_PREFIX = env.str(
    "ATTACHMENT_SENDFILE_PREFIX", default="/protected-attachments/"
)
CLAMAV_SOCKET = env.str("CLAMAV_SOCKET", default="")  # a clamd unix socket: scan every file
CLAMAV_TIMEOUT = env.float("CLAMAV_TIMEOUT", default=30.0)
# Multipart bodies: file parts do not count towards DATA_UPLOAD_MAX_MEMORY_SIZE (form fields do);
# files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, not memory. More parts than a
# message takes are refused by the attachments parser (422) before Django's own limit (a 400).
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2621440)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=100)
# A retried POST with the same Idempotency-Key replays the first answer for this long (seconds).
IDEMPOTENCY_KEY_TTL = env.int("IDEMPOTENCY_KEY_TTL", default=24 * 3600)

# Browsers on these origins may call the APIs (bearer tokens, no cookies): e.g.
# CORS_ALLOWED_ORIGINS=https://portal.middag.example,https://app.middag.example
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(?:wp-json|api)/.*$"
CORS_ALLOW_HEADERS = (
    *cors_default_headers,
    "x-middag-organization",
    "x-middag-company",
    "idempotency-key",
    "if-match",
)
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "Idempotent-Replayed"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["config.api.EnvelopeRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["config.parsers.SafeJSONParser"],  # bounded depth and numbers
    "DEFAULT_PAGINATION_CLASS": "config.api.EnvelopePagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "accounts.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth_ip": API_THROTTLE_AUTH, "auth_email": API_THROTTLE_AUTH},
    # Trusted reverse proxies in front of the app. 0: the client address is REMOTE_ADDR and a
    # client-sent X-Forwarded-For is ignored (otherwise it would dodge the per-IP throttle).
    "NUM_PROXIES": NUM_PROXIES,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": None,
}

_private_key, _public_key = load_jwt_keys(
    private_path=env.str("JWT_PRIVATE_KEY_PATH", default=""),
    public_path=env.str("JWT_PUBLIC_KEY_PATH", default=""),
    dev_dir=VAR_DIR / "keys",
    allow_generate=DEBUG,
)
SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "SIGNING_KEY": _private_key,
    "VERIFYING_KEY": _public_key,
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_TTL", default=24 * 3600)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_REFRESH_TTL", default=7 * 24 * 3600)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "CHECK_REVOKE_TOKEN": False,
    "LEEWAY": 0,
}

SPECTACULAR_SETTINGS = {
    "ENUM_NAME_OVERRIDES": {
        "HelpdeskPriorityEnum": ["low", "medium", "high", "urgent"],
        "IspPriorityEnum": [(1, 1), (2, 2), (3, 3)],
        "IspStatusEnum": [(0, 0), (1, 1), (2, 2), (3, 3)],
        "PriorityEnum": "tickets.models.Priority",
        "HelpdeskBooleanEnum": ["true", "false"],
        "EntitlementStatusEnum": "entitlements.models.Entitlement.Status",
        "OrderStatusEnum": "entitlements.models.Order.Status",
        "LicenseStatusEnum": "entitlements.models.License.Status",
        "ContractStatusEnum": "entitlements.models.Contract.Status",
        "EnvironmentStatusEnum": "environments.models.Environment.Status",
        "ServiceStatusEnum": "services.models.Service.Status",
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "OrganizationStatusEnum": "accounts.models.Organization.Status",
    },
    "TITLE": "MIDDAG service desk API",
    "DESCRIPTION": (
        "The account API (`/wp-json/middag-account/v1/`) and the two compatibility ticket APIs "
        "(`/api/v1/`). Every account-API answer is the envelope "
        "`{success, data, meta, message, errors}`. Authenticate with `Authorization: Bearer <JWT>` "
        "and choose the organization with `X-Middag-Organization`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/wp-json/middag-account/v1|/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "accounts.schema.envelope_postprocessing_hook",
    ],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "jwtAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (RS256)"}
        }
    },
}

# A strict Content-Security-Policy (django-csp) for every HTML page (admin, API docs): scripts only
# from this site or with the response's nonce, nothing inline without it, no plugins, no framing.
# Styles allow inline `style` attributes (the admin's widgets set them; they cannot run code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The back office (issue 13): django-unfold. Navigation, labels and the dashboard live in
# config/unfold.py and backoffice/dashboard.py; internal tables show to superusers only.
# unfold's login form posts no `next` when none was asked for: land on `/`, which sends staff to
# the back office and clients to the portal (config.error_pages.home), never /accounts/profile/.
LOGIN_REDIRECT_URL = "/"
UNFOLD = {
    "SITE_TITLE": "MIDDAG service desk",
    "SITE_HEADER": "MIDDAG service desk",
    "SITE_SUBHEADER": "Back office",
    "SITE_URL": "/",
    "SITE_SYMBOL": "support_agent",
    "SITE_FAVICONS": [
        {"rel": "icon", "type": "image/svg+xml", "href": "/static/backoffice/favicon.svg"}
    ],
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "BORDER_RADIUS": "6px",
    "COLORS": {
        "primary": {  # MIDDAG blue
            "50": "oklch(97% .014 254.604)",
            "100": "oklch(93.2% .032 255.585)",
            "200": "oklch(88.2% .059 254.128)",
            "300": "oklch(80.9% .105 251.813)",
            "400": "oklch(70.7% .165 254.624)",
            "500": "oklch(62.3% .214 259.815)",
            "600": "oklch(54.6% .245 262.881)",
            "700": "oklch(48.8% .243 264.376)",
            "800": "oklch(42.4% .199 265.638)",
            "900": "oklch(37.9% .146 265.522)",
            "950": "oklch(28.2% .091 267.935)",
        },
    },
    "DASHBOARD_CALLBACK": "backoffice.dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": "config.unfold.show_all_applications",
        "navigation": "config.unfold.navigation",
    },
}

# --- Operations (issue 16): logs, Celery, Sentry, metrics, health (config/operations.py) -------
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = logging_settings(LOG_FORMAT, env.str("LOG_LEVEL", default="INFO"))
globals().update(celery_settings(env, VAR_DIR))  # the CELERY_* settings
SENTRY_DSN = init_sentry(env)
# GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, the endpoint is off.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Business gauges computed at each scrape (ops.metrics): callables yielding metric families.
METRICS_COLLECTORS = ["tickets.metrics.collect", "ops.metrics.collect_operations"]
# Load balancers probe /health/ over plain HTTP: never redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]

if not DEBUG and NUM_PROXIES > 0:
    # Any client can send X-Forwarded-Proto: trust it only from a proxy that sets it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
