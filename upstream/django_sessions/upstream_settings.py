"""The settings Django's session tests run with (tests/test_sqlite.py, and the apps
tests/runtests.py installs for sessions_tests), with the engine: SESSION_ENGINE, its app (whose
system checks then run), and a strong SECRET_KEY in place of Django's test key
"django_tests_secret_key", which the engine refuses as a session key."""

import secrets

SECRET_KEY = secrets.token_urlsafe(32)  # 32 random bytes, as `client-session keygen` makes
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "client_session_django",
    "sessions_tests",
]
SESSION_ENGINE = "client_session_django"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = False
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
