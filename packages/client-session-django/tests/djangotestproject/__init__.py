"""The Django project of the engine's tests (settings, URLs, views, the gunicorn factory)."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
"""The tests' directory, which holds this package: on sys.path for every server."""
PASSWORD = "a long test password, 4kT9"
"""The password of the one user, ada."""
