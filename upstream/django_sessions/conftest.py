"""Django's test environment for its session tests, set up as Django's own runner sets it up
(tests/runtests.py): the settings of upstream_settings.py, a test database, and the system
checks, the engine's among them. Copied into the sdist's tests/ by run_upstream_tests.py."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ["DJANGO_SETTINGS_MODULE"] = "upstream_settings"

import django

django.setup()

import pytest  # noqa: E402
from django.test.runner import DiscoverRunner  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def django_test_environment() -> Iterator[None]:
    runner = DiscoverRunner(verbosity=0, interactive=False)
    runner.setup_test_environment()
    databases = runner.setup_databases()
    runner.run_checks({"default"})  # a SystemCheckError stops the run, as with runtests.py
    yield
    runner.teardown_databases(databases)
    runner.teardown_test_environment()
