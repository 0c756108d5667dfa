"""The seed's counter as a one-file Django project: ``python examples/django_counter/app.py``.

Every reload of http://127.0.0.1:8000/ counts one more visit, kept only in the encrypted session
cookie by the client_session_django engine. The key comes from CLIENT_SESSION_KEYS; without it,
a demo key is generated and announced. Under gunicorn: ``gunicorn --chdir
examples/django_counter app:app``. With arguments, it is the project's manage.py:
``python examples/django_counter/app.py check`` runs Django's system checks, the engine's
among them (a weak CLIENT_SESSION_KEYS is client_session.E002).
"""

import os
import sys

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

from client_session_core import generate_key

if not os.environ.get("CLIENT_SESSION_KEYS"):
    os.environ["CLIENT_SESSION_KEYS"] = generate_key()
    print("CLIENT_SESSION_KEYS is not set: using a generated DEMO key, gone when this stops.")


def counter(request: HttpRequest) -> HttpResponse:
    request.session["count"] = request.session.get("count", 0) + 1
    return HttpResponse(
        f"You have visited this page {request.session['count']} times.\n",
        content_type="text/plain; charset=utf-8",
    )


urlpatterns = [path("", counter)]

settings.configure(
    # Django's own signing needs a SECRET_KEY; the sessions use CLIENT_SESSION_KEYS.
    SECRET_KEY=os.environ["CLIENT_SESSION_KEYS"],
    CLIENT_SESSION_KEYS=os.environ["CLIENT_SESSION_KEYS"],
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SESSION_ENGINE="client_session_django",
    # One cookie name for every server of a fleet (the demo's --cookie-name sets it).
    SESSION_COOKIE_NAME=os.environ.get("COUNTER_COOKIE_NAME", "sessionid"),
    MIDDLEWARE=["client_session_django.SessionMiddleware"],
    # The engine's app: manage.py check reports its configuration problems.
    INSTALLED_APPS=["client_session_django"],
)
django.setup()

if __name__ == "__main__" and sys.argv[1:]:
    # The project's manage.py, before the app is built (which stops at a bad setting).
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
    sys.exit()

app = get_wsgi_application()

if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    print("Serving the counter on http://127.0.0.1:8000/ (Ctrl-C stops)")
    make_server("127.0.0.1", 8000, app).serve_forever()
