"""The Django project the engine's tests run, in this process and in real servers.

A module rather than settings.configure(), so that a gunicorn or uvicorn process started by a
test loads the very same settings (DJANGO_SETTINGS_MODULE). The database and the clock file
come from the environment, which the tests set before anything reads these settings.
"""

import os
import time
from pathlib import Path

SECRET_KEY = "tests-only: a long and random-looking Django secret 7Qv2xLr9"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DEBUG = False
USE_TZ = True
ROOT_URLCONF = "djangotestproject.urls"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "client_session_django",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
MIDDLEWARE = [
    "client_session_django.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
SESSION_ENGINE = "client_session_django"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_USE_SESSIONS = True
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_TEST_DATABASE", ":memory:"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# Fast hashing: the tests log in often, and the hasher is not what they test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING_CONFIG = None

# A server process reads the tests' clock from the file the ManualClock mirrors to.
_CLOCK_FILE = os.environ.get("DJANGO_TEST_CLOCK_FILE")


def _clock_from_file() -> float:
    return float(Path(_CLOCK_FILE).read_text("ascii"))  # type: ignore[arg-type]


CLIENT_SESSION_CLOCK = _clock_from_file if _CLOCK_FILE else time.time
