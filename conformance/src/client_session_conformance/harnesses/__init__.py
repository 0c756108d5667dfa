"""The harnesses of this repository's adapters, one module per adapter.

Each module imports its framework and its adapter at the top, so this package imports none
of them: :func:`~client_session_conformance.installed_harnesses` loads each harness through
its entry point (``client_session_conformance.harnesses`` in this distribution's metadata),
and a harness whose framework or adapter is not installed is skipped, naming the missing
package. The modules are examples for an adapter written elsewhere too: see the README.

- :mod:`.asgi`: ``starlette`` and ``fastapi`` (client-session-asgi, under uvicorn);
- :mod:`.wsgi`: ``wsgi`` (client-session-wsgi's middleware, under werkzeug's server);
- :mod:`.flask`: ``flask`` (its Flask session interface, under werkzeug's server);
- :mod:`.gunicorn`: ``gunicorn`` (its middleware in a gunicorn worker process);
- :mod:`.tornado`: ``tornado`` (client-session-tornado, under Tornado's HTTPServer);
- :mod:`.aiohttp`: ``aiohttp`` (client-session-aiohttp's storage through aiohttp-session,
  under aiohttp's AppRunner; its own middleware has a harness there too, not registered);
- :mod:`.django`: ``django`` (client-session-django's engine and middleware, under werkzeug's
  server; ``DjangoASGIHarness`` under uvicorn, in that package's own tests);
- :mod:`.litestar`: ``litestar`` (client-session-litestar's ``ClientSessionConfig`` middleware,
  under uvicorn).
"""
