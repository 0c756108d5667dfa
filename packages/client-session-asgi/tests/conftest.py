"""Test configuration shared by the ASGI adapter's tests."""

import warnings

# Starlette before 1.x names ``anyio.abc.BlockingPortal`` in starlette.testclient, an alias
# that recent anyio releases deprecate on import. The oldest supported Starlette is tested
# with the newest anyio, so import the test client once here with that one warning ignored;
# every other warning still fails the run.
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore",
        message="The anyio.abc.BlockingPortal alias is deprecated",
        category=DeprecationWarning,
    )
    import starlette.testclient  # noqa: F401
