"""Views that use the session the ways Django applications do."""

import json
from datetime import datetime, timedelta

from django.contrib import auth, messages
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.csrf import csrf_exempt


def _content(request: HttpRequest) -> dict:
    # SessionBase has keys() and items() but no __iter__.
    return dict(request.session.items())


def counter(request: HttpRequest) -> JsonResponse:
    count = request.session.get("count", 0) + 1
    request.session["count"] = count
    return JsonResponse({"count": count})


def view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_content(request))


def untouched(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def preview(request: HttpRequest) -> JsonResponse:
    """The session with ?draft= in it, none of which is saved (Django's `modified = False`)."""
    request.session["draft"] = request.GET["draft"]
    request.session.modified = False
    return JsonResponse(_content(request))


def nested(request: HttpRequest) -> JsonResponse:
    request.session.setdefault("cart", []).append(request.GET["item"])
    return JsonResponse(_content(request))


@csrf_exempt
def login_view(request: HttpRequest) -> JsonResponse:
    form = json.loads(request.body) if request.content_type == "application/json" else request.POST
    user = auth.authenticate(request, username=form["username"], password=form["password"])
    if user is None:
        return JsonResponse({"ok": False}, status=403)
    auth.login(request, user)
    if form.get("remember") == "no":
        request.session.set_expiry(0)
    return JsonResponse({"ok": True})


@csrf_exempt
def logout_view(request: HttpRequest) -> JsonResponse:
    auth.logout(request)
    return JsonResponse({"ok": True})


def whoami(request: HttpRequest) -> JsonResponse:
    user = request.user
    return JsonResponse({"user": user.get_username() if user.is_authenticated else None})


@csrf_exempt
def cycle(request: HttpRequest) -> JsonResponse:
    request.session.cycle_key()
    return JsonResponse(_content(request))


@csrf_exempt
def expiry(request: HttpRequest) -> JsonResponse:
    """POST {"seconds": N} | {"delta": N} | {"at": timestamp} | {"default": true}."""
    body = json.loads(request.body)
    session = request.session
    session["user"] = "someone"
    if "seconds" in body:
        session.set_expiry(body["seconds"])
    elif "delta" in body:
        session.set_expiry(timedelta(seconds=body["delta"]))
    elif "at" in body:
        session.set_expiry(datetime.fromtimestamp(body["at"]).astimezone())
    else:
        session.set_expiry(None)
    return JsonResponse(
        {
            "age": session.get_expiry_age(),
            "date": session.get_expiry_date().timestamp(),
            "browser_close": session.get_expire_at_browser_close(),
        }
    )


def message(request: HttpRequest) -> JsonResponse:
    messages.success(request, request.GET.get("text", "saved"))
    return JsonResponse({"ok": True})


def read_messages(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"messages": [str(m) for m in messages.get_messages(request)]})


def csrf_token(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"token": get_token(request)})


def protected(request: HttpRequest) -> JsonResponse:
    # CsrfViewMiddleware checks the token against the one kept in the session.
    return JsonResponse({"ok": True})
