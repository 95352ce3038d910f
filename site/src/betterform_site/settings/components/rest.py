"""Django REST framework and the OpenAPI schema (drf-spectacular).

https://www.django-rest-framework.org/api-guide/settings/
https://drf-spectacular.readthedocs.io/en/latest/settings.html
"""

from betterform_site.env import env_int

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "betterform_site.api_keys.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "betterform_site.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        # createpdf's: a filter value out of its column's range is a 400, never a 500.
        "createpdf.filtering.FilterBackend",
        "createpdf.filtering.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # drf-spectacular's, with operation ids, summaries and descriptions (betterform_site.openapi).
    "DEFAULT_SCHEMA_CLASS": "betterform_site.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": "120/minute",
        "user": "3000/minute",
        # Token login (see betterform_site.accounts.ThrottledTokenCreateView).
        "login": "10/minute",
        # Anonymous submissions to published forms (betterform's public endpoint).
        "public_submit": "30/minute",
        # The customer pages (/f/, /q/) per address: guessing a token is slow.
        "customer_pages": "60/minute",
    },
    # Throttles identify clients by address. DRF's default (None) takes X-Forwarded-For as sent,
    # so a client could send a new one per request and never be throttled. 0: the connection's
    # address, which uvicorn already takes from a trusted local proxy's header.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    # The API speaks JSON only: another body is a 415 (a form or multipart body cannot carry
    # nested writes such as a quote's lines). JSON with a NUL character anywhere is a 400
    # (PostgreSQL cannot store one). The apps' views declare the same parser themselves.
    "DEFAULT_PARSER_CLASSES": ["createpdf.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "betterform_site.exceptions.exception_handler",
}

# Request bodies above this are refused with 413 (Django's default, 2.5 MB, stated here).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

SPECTACULAR_SETTINGS = {
    "TITLE": "BetterForm API",
    "DESCRIPTION": (
        "Quote automation: forms, submissions, priced quotes, PDF documents and the monday.com "
        "integration. Authenticate with `Authorization: Token <token>` (from "
        "`POST /api/auth/token/login/`) or `Authorization: Api-Key <key>` (issued by staff in "
        "the admin)."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    # What client generators need and drf-spectacular cannot infer (betterform_site.schema):
    # the Error body on every 4xx each operation can give, required response fields, anyOf.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "betterform_site.schema.postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {"SubmissionStatusEnum": "betterform.models.Submission.Status"},
    # Docs UI assets come from drf-spectacular-sidecar, so the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
