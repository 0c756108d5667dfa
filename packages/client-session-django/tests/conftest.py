"""One Django project for the whole test process: Django's settings are process-wide.

The settings are a module (djangotestproject/settings.py) rather than settings.configure(),
so that the real servers the tests start in other processes load the same ones. Each test
that needs another setting uses override_settings, and builds its test client inside it:
the middleware reads the settings when it is built, as at a server's start-up.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
_DATABASE_DIR = tempfile.mkdtemp(prefix="client-session-django-tests-")
DATABASE = str(Path(_DATABASE_DIR) / "db.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "djangotestproject.settings"
os.environ["DJANGO_TEST_DATABASE"] = DATABASE

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from djangotestproject import PASSWORD  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def database() -> Iterator[str]:
    """The SQLite file with Django's tables and one user, ada (shared with real servers)."""
    call_command("migrate", run_syncdb=True, verbosity=0)
    User.objects.create_user("ada", password=PASSWORD)
    User.objects.create_superuser("root", password=PASSWORD)
    yield DATABASE
    shutil.rmtree(_DATABASE_DIR, ignore_errors=True)
