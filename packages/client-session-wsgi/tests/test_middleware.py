"""SessionMiddleware and open_session, in process: werkzeug's test client and a PEP 3333 caller."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import FileWrapper

from client_session_conformance import ManualClock
from client_session_core import JSONSerializer
from client_session_wsgi import (
    ENVIRON_KEY,
    ConfigurationError,
    KeyRing,
    Session,
    SessionCodec,
    SessionMiddleware,
    SessionPolicy,
    SessionTooLarge,
    generate_key,
    get_session,
    open_session,
)

KEYS = KeyRing([generate_key()])
Headers = list[tuple[str, str]]


def make_policy(**options: Any) -> SessionPolicy:
    return SessionPolicy(keys=KEYS, **options)


@Request.application  # type: ignore[arg-type]
def counter(request: Request) -> Response:
    session = get_session(request)
    session["count"] = session.get("count", 0) + 1
    return Response(str(session["count"]))


def set_cookies(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


class PEP3333Call:
    """Calls a WSGI application as a server would, headers not yet sent when it errs."""

    def __init__(self, app: Callable[..., Iterable[bytes]], cookie: str | None = None) -> None:
        headers = {"Cookie": cookie} if cookie else {}
        self.environ = EnvironBuilder(path="/", headers=headers).get_environ()
        self.app = app
        self.calls: list[tuple[str, Headers]] = []

    def start_response(
        self, status: str, headers: Headers, exc_info: Any = None
    ) -> Callable[[bytes], object]:
        # PEP 3333: before any body byte is sent, an error page may replace the headers.
        self.calls.append((status, headers))
        return lambda data: None

    def run(self) -> bytes:
        body = self.app(self.environ, self.start_response)
        try:
            return b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()


# -- the middleware -----------------------------------------------------------------------


def test_counter_round_trip_and_headers() -> None:
    client = Client(SessionMiddleware(counter, make_policy()))
    first = client.get("/")
    assert first.text == "1"
    [cookie] = set_cookies(first)
    assert cookie.startswith("session=")
    assert "; Path=/; Max-Age=1800; Expires=" in cookie
    assert cookie.endswith("; HttpOnly; SameSite=Lax")
    assert first.headers.getlist("Vary") == ["Cookie"]
    assert [client.get("/").text for _ in range(3)] == ["2", "3", "4"]


def test_session_is_in_the_environ() -> None:
    seen: list[object] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ[ENVIRON_KEY])
        seen.append(get_session(environ))
        start_response("204 No Content", [])
        return []

    Client(SessionMiddleware(app, make_policy())).get("/")
    assert isinstance(seen[0], Session)
    assert seen[0] is seen[1]


def test_untouched_session_sends_no_cookie_and_no_vary() -> None:
    app = SessionMiddleware(Response("static"), make_policy())
    response = Client(app).get("/")
    assert set_cookies(response) == []
    assert "Vary" not in response.headers


def test_read_only_request_sends_vary_but_no_cookie() -> None:
    codec = SessionCodec(make_policy())
    cookie = f"session={codec.seal({'count': 7})}"

    @Request.application  # type: ignore[arg-type]
    def view(request: Request) -> Response:
        return Response(str(get_session(request).get("count")))

    response = Client(SessionMiddleware(view, codec.policy), use_cookies=False).get(
        "/", headers={"Cookie": cookie}
    )
    assert response.text == "7"
    assert set_cookies(response) == []
    assert response.headers.getlist("Vary") == ["Cookie"]


@pytest.mark.parametrize(
    ("app_vary", "expected"),
    [
        (["Accept-Encoding"], ["Accept-Encoding, Cookie"]),
        (["Accept-Encoding", "Accept-Language"], ["Accept-Encoding, Accept-Language, Cookie"]),
        (["cookie"], ["cookie"]),
        (["Accept-Encoding, Cookie"], ["Accept-Encoding, Cookie"]),
        (["*"], ["*"]),
    ],
)
def test_vary_is_merged_never_repeated(app_vary: list[str], expected: list[str]) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        get_session(environ)["seen"] = True
        start_response("200 OK", [("Vary", value) for value in app_vary])
        return [b""]

    response = Client(SessionMiddleware(app, make_policy())).get("/")
    assert response.headers.getlist("Vary") == expected
    assert len(set_cookies(response)) == 1


def test_set_cookie_goes_after_the_application_cookies() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        get_session(environ)["user"] = "ada"
        start_response("200 OK", [("Set-Cookie", "theme=dark; Path=/")])
        return [b""]

    cookies = set_cookies(Client(SessionMiddleware(app, make_policy())).get("/"))
    assert cookies[0] == "theme=dark; Path=/"
    assert cookies[1].startswith("session=")


def test_bad_cookies_give_an_empty_session_and_are_deleted() -> None:
    client = Client(SessionMiddleware(counter, make_policy()), use_cookies=False)
    for header in ("session=garbage", "session=", "session", ";;;=", "session=" + "A" * 5000):
        response = client.get("/", headers={"Cookie": header})
        assert response.status_code == 200
        assert response.text == "1"


def test_refused_cookie_is_deleted_even_when_untouched() -> None:
    app = SessionMiddleware(Response("static"), make_policy())
    response = Client(app, use_cookies=False).get("/", headers={"Cookie": "session=forged"})
    [deletion] = set_cookies(response)
    assert deletion.startswith("session=; Path=/; Max-Age=0;")


def test_clear_deletes_the_cookie() -> None:
    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Response:
        session = get_session(request)
        if request.path == "/logout":
            session.clear()
        else:
            session["user"] = "ada"
        return Response("ok")

    client = Client(SessionMiddleware(app, make_policy(domain="example.com", secure=True)))
    client.get("/login", base_url="https://example.com")
    [deletion] = set_cookies(client.get("/logout", base_url="https://example.com"))
    assert deletion.startswith("session=; Path=/; Domain=example.com; Max-Age=0; Expires=")
    assert deletion.endswith("; Secure; HttpOnly; SameSite=Lax")


def test_idle_timeout_from_the_injected_clock() -> None:
    clock = ManualClock()
    client = Client(SessionMiddleware(counter, make_policy(idle_timeout=60), clock=clock))
    assert client.get("/").text == "1"
    clock.advance(59)
    assert client.get("/").text == "2"
    clock.advance(60)
    assert client.get("/").text == "1"


def test_policy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    key = generate_key()
    monkeypatch.setenv("CLIENT_SESSION_KEYS", key)
    middleware = SessionMiddleware(counter)
    assert middleware.codec.policy.keys.primary.kid == KeyRing([key]).primary.kid
    monkeypatch.delenv("CLIENT_SESSION_KEYS")
    with pytest.raises(ConfigurationError, match="CLIENT_SESSION_KEYS"):
        SessionMiddleware(counter)


def test_get_session_without_the_middleware_says_how_to_fix_it() -> None:
    environ = EnvironBuilder().get_environ()
    with pytest.raises(RuntimeError, match="SessionMiddleware"):
        get_session(environ)
    with pytest.raises(RuntimeError, match="open_session"):
        get_session(Request(environ))


# -- streaming, late changes, closing --------------------------------------------------------


def test_streamed_body_carries_the_cookie_set_before_start_response() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        session = get_session(environ)
        session["count"] = session.get("count", 0) + 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        for index in range(3):
            yield b"chunk %d;" % index

    client = Client(SessionMiddleware(app, make_policy()))
    response = client.get("/")
    assert response.text == "chunk 0;chunk 1;chunk 2;"
    assert len(set_cookies(response)) == 1
    client.get("/")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert SessionCodec(make_policy()).load(f"session={cookie.value}") == {"count": 2}


def test_change_while_streaming_is_not_saved_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        session = get_session(environ)
        session["before"] = 1
        start_response("200 OK", [])
        yield b"first;"
        session["after"] = 2
        yield b"second;"

    client = Client(SessionMiddleware(app, make_policy()))
    with caplog.at_level(logging.WARNING, logger="client_session"):
        response = client.get("/")
        assert response.text == "first;second;"
        response.close()  # as every server does once the body is sent
    [record] = [r for r in caplog.records if r.name == "client_session"]
    assert "changed after start_response()" in record.getMessage()
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert SessionCodec(make_policy()).load(f"session={cookie.value}") == {"before": 1}


def test_change_after_start_response_with_a_list_body_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        get_session(environ)["too late"] = True
        return [b"done"]

    with caplog.at_level(logging.WARNING, logger="client_session"):
        response = Client(SessionMiddleware(app, make_policy())).get("/")
    assert set_cookies(response) == []
    assert ["changed after start_response()" in r.getMessage() for r in caplog.records] == [True]


class CountingJSON(JSONSerializer):
    """The core's JSON, counting the sessions it serializes."""

    def __init__(self) -> None:
        super().__init__()
        self.dumps_calls = 0

    def dumps(self, data: Any) -> bytes:
        self.dumps_calls += 1
        return super().dumps(data)


@pytest.mark.parametrize("streamed", [False, True])
def test_a_request_serializes_its_session_once(streamed: bool) -> None:
    # The commit at start_response serializes the session; the late-change check at the
    # end of the response asks the session, which only reads reached since: no second pass.
    serializer = CountingJSON()
    payload = {"user_id": 7, "name": "Ada Lovelace", "roles": ["admin", "staff"]}

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        session = get_session(environ)
        session["count"] = session.get("count", 0) + 1
        if "user_id" not in session:
            session.update(payload)
        start_response("200 OK", [("Content-Type", "text/plain")])
        body = [str(session.get("count")).encode()]
        return iter(body) if streamed else body

    client = Client(SessionMiddleware(app, make_policy(serializer=serializer)))
    client.get("/").close()  # the login: a new session
    serializer.dumps_calls = 0
    for count in (2, 3):
        response = client.get("/")
        assert response.get_data() == str(count).encode()
        assert len(set_cookies(response)) == 1
        response.close()  # a streamed body's late-change check runs at its close
    assert serializer.dumps_calls == 2


def test_a_change_through_a_value_kept_from_before_start_response_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        cart = get_session(environ).setdefault("cart", [])
        start_response("200 OK", [])
        cart.append("too late")  # the session itself is not touched again
        return [b"done"]

    with caplog.at_level(logging.WARNING, logger="client_session"):
        Client(SessionMiddleware(app, make_policy())).get("/").close()
    assert ["changed after start_response()" in r.getMessage() for r in caplog.records] == [True]


def test_reads_after_start_response_are_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        session = get_session(environ)
        session["count"] = 1
        start_response("200 OK", [])
        yield str(session["count"]).encode()
        yield str(dict(session)).encode()

    with caplog.at_level(logging.WARNING, logger="client_session"):
        Client(SessionMiddleware(app, make_policy())).get("/").close()
    assert caplog.records == []


def test_the_application_body_is_closed() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"body"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Any) -> Body:
        start_response("200 OK", [])
        return Body()

    call = PEP3333Call(SessionMiddleware(app, make_policy()))
    assert call.run() == b"body"
    assert closed == [True]


def test_file_wrapper_is_returned_as_is() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [])
        wrapper: Iterable[bytes] = environ["wsgi.file_wrapper"](io.BytesIO(b"file"))
        return wrapper

    call = PEP3333Call(SessionMiddleware(app, make_policy()))
    call.environ["wsgi.file_wrapper"] = FileWrapper
    body = call.app(call.environ, call.start_response)
    assert isinstance(body, FileWrapper)
    assert b"".join(body) == b"file"


# -- exceptions ---------------------------------------------------------------------------


def test_error_before_start_response_propagates_without_commit() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        get_session(environ)["half done"] = True
        raise LookupError("the application failed")

    call = PEP3333Call(SessionMiddleware(app, make_policy()))
    with pytest.raises(LookupError, match="the application failed"):
        call.run()
    assert call.calls == []


def test_error_page_with_exc_info_still_carries_the_session_headers() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        session = get_session(environ)
        session["user"] = "ada"
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise LookupError("failed while rendering")
        except LookupError:
            start_response("500 Internal Server Error", [("Vary", "Accept")], sys.exc_info())
        return [b"error page"]

    call = PEP3333Call(SessionMiddleware(app, make_policy()))
    assert call.run() == b"error page"
    (_, ok_headers), (status, error_headers) = call.calls
    assert status.startswith("500")
    assert [name for name, _ in ok_headers].count("Set-Cookie") == 1
    assert ("Vary", "Accept, Cookie") in error_headers
    assert [name for name, _ in error_headers].count("Set-Cookie") == 1


def test_session_too_large_propagates_to_the_server() -> None:
    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Response:
        get_session(request)["blob"] = "x" * 5000
        return Response("stored")

    with pytest.raises(SessionTooLarge):
        Client(SessionMiddleware(app, make_policy())).get("/")


def test_session_too_large_on_an_error_page_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        get_session(environ)["blob"] = "x" * 5000
        try:
            raise LookupError("failed")
        except LookupError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"error page"]

    call = PEP3333Call(SessionMiddleware(app, make_policy()))
    with caplog.at_level(logging.WARNING, logger="client_session"):
        assert call.run() == b"error page"
    [(status, headers)] = call.calls
    assert status.startswith("500")
    assert headers == []
    # Logged once, as not saved; not again as a change made after start_response().
    [record] = caplog.records
    assert "session not saved" in record.getMessage()


# -- open_session: the bare-WSGI two-liner -----------------------------------------------------


def test_open_session_two_liner() -> None:
    codec = SessionCodec(make_policy())

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        session, start_response = open_session(environ, start_response, codec)
        session["count"] = session.get("count", 0) + 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"%d" % session["count"]]

    client = Client(app)
    responses = [client.get("/") for _ in range(3)]
    assert [r.text for r in responses] == ["1", "2", "3"]
    assert all(r.headers.getlist("Vary") == ["Cookie"] for r in responses)


def test_open_session_stores_the_session_in_the_environ() -> None:
    codec = SessionCodec(make_policy())
    environ = EnvironBuilder(headers={"Cookie": f"session={codec.seal({'n': 1})}"}).get_environ()
    session, _ = open_session(environ, lambda status, headers, exc_info=None: print, codec)
    assert session == {"n": 1}
    assert get_session(environ) is session


def test_errors_name_the_policy_options_the_middleware_takes() -> None:
    # Issue 13, finding 9: the WSGI middleware is configured with a SessionPolicy, whose
    # own option names are then the user's words.
    with pytest.raises(ConfigurationError, match=r"^same_site='none' needs secure=True") as e:
        SessionMiddleware(counter, make_policy(same_site="none"))
    assert e.value.options == ("same_site", "secure")
