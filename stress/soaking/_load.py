"""Simulated users, and what each response of the route contract must be.

Each client thread owns its users (no user is shared between threads) and sends one
request at a time, at the pace the soak sets. A user keeps its cookies as a browser does
(``parse_set_cookie`` from the conformance suite: ``Max-Age=0`` deletes) and remembers its
count, so that every answer is checked, not only its status:

============  ======  ====================================================================
action        share   expected answer
============  ======  ====================================================================
counter       45 %    200, the user's count plus one (a new session starts at 1)
view          15 %    200, the user's session as it was
new user      10 %    200, count 1, from a request without cookies
merge          8 %    200, the session with the merged value
nested         6 %    200, the session with one more item in its nested list; every fifth
                      ``/nested`` of a user is followed by ``/clear``
garbage        8 %    200 and an empty session, for a garbage Cookie header (random
                      bytes, a bit-flipped or truncated copy of the user's own cookie,
                      a many-kilobyte header); sent from a throwaway jar, so that the
                      user's own cookie is untouched
oversized      8 %    500 (``/large``: the session no longer fits in 4096 bytes), and the
                      user's cookie unchanged: its next request continues the count
============  ======  ====================================================================

A count that does not continue is a **lost count**, unless the server was entitled to
forget the session: the user was idle longer than the idle timeout, its session older
than the absolute lifetime, or its cookie sealed under a key the ring has retired (two
rotations ago). Those are counted as expected expiries. Every answer that shows the
session is checked so (``/counter``, ``/view``, ``/merge`` and ``/nested``): the one that
meets a forgotten session must be the one that says so, as the next answer judges the
cookie that answer set.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from client_session_conformance import parse_set_cookie

__all__ = ["ACTIONS", "Load", "Outcomes", "User"]

COOKIE_NAME = "session"
IDLE_TIMEOUT = 1800  # the SessionPolicy defaults the server runs with
ABSOLUTE_LIFETIME = 12 * 3600
OVERSIZED = 5000  # characters of /large: over 4096 bytes once sealed
NESTED_BEFORE_CLEAR = 5
TIMEOUT = httpx.Timeout(10.0)

ACTIONS: tuple[tuple[str, int], ...] = (
    ("counter", 45),
    ("view", 15),
    ("new_user", 10),
    ("merge", 8),
    ("nested", 6),
    ("garbage", 8),
    ("oversized", 8),
)


@dataclass
class User:
    """One browser: its cookies, its count, and when (clock time) its session began."""

    cookies: dict[str, str] = field(default_factory=dict)
    count: int = 0
    nested: int = 0  # the items of the session's nested list
    note: str | None = None
    created_at: float | None = None  # clock time of the session's creation
    used_at: float = 0.0  # clock time of the last request that used the session
    sealed_generation: int = 0  # the key generation that sealed its cookie

    @property
    def cookie_header(self) -> str | None:
        if not self.cookies:
            return None
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def keep_cookies(self, response: httpx.Response, generation: int) -> None:
        for value in response.headers.get_list("set-cookie"):
            cookie = parse_set_cookie(value)
            if cookie.deletes:
                self.cookies.pop(cookie.name, None)
            else:
                self.cookies[cookie.name] = cookie.value
                if cookie.name == COOKIE_NAME:
                    self.sealed_generation = generation

    def reset(self, now: float) -> None:
        self.count = 0
        self.nested = 0
        self.note = None
        self.created_at = now


@dataclass
class Outcomes:
    """What the load saw. ``failures`` must stay empty for the soak to pass."""

    requests: Counter[str] = field(default_factory=Counter)
    expired: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    retried: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def fail(self, kind: str, detail: str) -> None:
        with self.lock:
            self.failures[kind] += 1
            if len(self.examples) < 20:
                self.examples.append(f"{kind}: {detail}")

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "total": self.total,
            "expired": dict(self.expired),
            "failures": dict(self.failures),
            "examples": self.examples,
            "retried": dict(self.retried),
        }


@dataclass
class Stage:
    """Where the load is sent, and the clock, as the controller last set them."""

    url: str
    generation: int
    now: float
    clock_step: float  # the most the clock moves at once: the margin of expiry judgements


class Load:
    """The client threads of one soak; the controller moves ``stage`` under them."""

    def __init__(self, stage: Stage, *, threads: int, users: int, rate: float, seed: int):
        self.stage = stage
        self.outcomes = Outcomes()
        self._threads = threads
        self._users = users
        self._interval = threads / rate if rate > 0 else 0.0
        self._seed = seed
        self._stop = threading.Event()
        self._thread = threading.local()  # each client thread's last status
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self._threads):
            worker = threading.Thread(
                target=self._run, args=(index,), name=f"soak-client-{index}", daemon=True
            )
            worker.start()
            self._workers.append(worker)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout)

    def _run(self, index: int) -> None:
        rng = random.Random(self._seed * 1000 + index)
        users = [User() for _ in range(self._users // self._threads or 1)]
        names, weights = zip(*ACTIONS, strict=True)
        with httpx.Client(timeout=TIMEOUT) as http:
            next_at = time.monotonic()
            while not self._stop.is_set():
                action = rng.choices(names, weights)[0]
                slot = rng.randrange(len(users))
                if action == "new_user":
                    users[slot] = User()
                    action = "counter"
                try:
                    self._act(http, rng, users[slot], action)
                except Exception as exc:  # noqa: BLE001 - any failure is counted and shown
                    self.outcomes.fail("client_error", f"{action}: {exc!r}")
                with self.outcomes.lock:
                    self.outcomes.requests[action] += 1
                if self._interval:
                    next_at += self._interval
                    self._stop.wait(max(0.0, next_at - time.monotonic()))

    # -- one request ------------------------------------------------------------------------

    def _send(
        self,
        http: httpx.Client,
        method: str,
        path: str,
        cookie_header: str | None,
        **kwargs: Any,
    ) -> tuple[httpx.Response, int]:
        """Send to the current server. Once more, as a browser would, when the connection
        failed because a rotation stopped the server just read, or because the server
        closed a kept-alive connection after its last answer, a 500 (uvicorn closes the
        connection when the application raised after the response began, which
        Starlette's error middleware does after sending its 500, without saying
        ``Connection: close``). Any other failure is raised."""
        for attempt in range(2):
            stage = self.stage
            headers = {"Cookie": cookie_header} if cookie_header is not None else {}
            try:
                response = http.request(method, stage.url + path, headers=headers, **kwargs)
            except httpx.TransportError:
                http.cookies.clear()
                after_500 = getattr(self._thread, "last_status", None) == 500
                self._thread.last_status = None
                if attempt == 0 and (self.stage.url != stage.url or after_500):
                    with self.outcomes.lock:
                        self.outcomes.retried["after_500" if after_500 else "after_rotation"] += 1
                    continue
                raise
            # httpx keeps the cookies of every response; each user keeps its own instead.
            http.cookies.clear()
            self._thread.last_status = response.status_code
            return response, stage.generation
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _entitled_to_forget(self, user: User) -> str | None:
        """Why the server may have dropped ``user``'s session, if it may."""
        stage = self.stage
        if user.created_at is None or not user.cookies:
            return "no_cookie"
        margin = 2 * stage.clock_step
        if stage.now - user.used_at >= IDLE_TIMEOUT - margin:
            return "idle"
        if stage.now - user.created_at >= ABSOLUTE_LIFETIME - margin:
            return "absolute"
        if user.sealed_generation < stage.generation - 1:
            return "retired_key"
        return None

    def _check_continues(
        self,
        user: User,
        action: str,
        count: int,
        note: str | None,
        *,
        note_known: bool = True,
        nested: int | None = None,
    ) -> None:
        """Check that the session the server used had ``user``'s count, and its note and
        nested items when the answer shows them (``nested`` is None when it does not). If it
        had not: an expected expiry starts the user over; anything else is a lost count, and
        the user carries on from what the server had.

        Every answer that shows the session must be checked, not only the counter's: an
        answer that met a forgotten session (a cookie under a retired key) sets a new cookie,
        sealed under the current key, for a new session. Were that answer not judged, the
        user's next answer would show the loss with the new cookie, under a key the server
        has, and nothing to forgive it: a lost count that the server did not lose."""
        if (
            count == user.count
            and (not note_known or note == user.note)
            and (nested is None or nested == user.nested)
        ):
            return
        reason = self._entitled_to_forget(user)
        forgotten = count == 0 and (not note_known or note is None) and not nested
        if forgotten and reason is not None:
            with self.outcomes.lock:
                self.outcomes.expired[reason] += 1
            user.reset(self.stage.now)
            return
        expected = f"count {user.count} and note {user.note!r}"
        had = f"{count} and {note if note_known else 'an unshown note'}"
        if nested is not None:
            expected += f" and {user.nested} nested items"
            had += f" and {nested} nested items"
        self.outcomes.fail(
            "lost_count",
            f"{action}: expected {expected}, the server had {had} (reason to forget: "
            f"{reason}, cookie sealed under key {user.sealed_generation}, "
            f"now key {self.stage.generation})",
        )
        user.count = count
        if note_known:
            user.note = note
        if nested is not None:
            user.nested = nested

    def _act(self, http: httpx.Client, rng: random.Random, user: User, action: str) -> None:
        if user.created_at is None:
            user.reset(self.stage.now)
        now = self.stage.now
        if action == "counter":
            response, generation = self._send(http, "GET", "/counter", user.cookie_header)
            if not self._expect(response, 200, action):
                return
            count = response.json()["count"]
            self._check_continues(user, action, count - 1, None, note_known=False)
            user.count = count
        elif action == "view":
            response, generation = self._send(http, "GET", "/view", user.cookie_header)
            if not self._expect(response, 200, action):
                return
            body = response.json()
            self._check_continues(
                user, action, body.get("count", 0), body.get("note"), nested=_items(body)
            )
        elif action == "merge":
            note = f"note-{rng.randrange(10**6)}"
            response, generation = self._send(
                http, "POST", "/merge", user.cookie_header, json={"note": note}
            )
            if not self._expect(response, 200, action):
                return
            body = response.json()
            self._check_continues(
                user, action, body.get("count", 0), None, note_known=False, nested=_items(body)
            )
            user.note = note
        elif action == "nested":
            response, generation = self._send(
                http, "GET", "/nested", user.cookie_header, params={"item": "x"}
            )
            if not self._expect(response, 200, action):
                return
            body = response.json()
            self._check_continues(  # the session before this request's item
                user, action, body.get("count", 0), body.get("note"), nested=_items(body) - 1
            )
            user.nested += 1
            if user.nested >= NESTED_BEFORE_CLEAR:
                user.keep_cookies(response, generation)
                response, generation = self._send(http, "POST", "/clear", user.cookie_header)
                if self._expect(response, 200, "clear") and response.json() == {}:
                    user.reset(self.stage.now)
        elif action == "garbage":
            header = _garbage(rng, user)
            response, _ = self._send(http, "GET", "/view", header)
            if self._expect(response, 200, action) and response.json() != {}:
                self.outcomes.fail("garbage_opened", f"{header[:80]!r} gave {response.text[:80]}")
            return  # a throwaway jar: the user's cookies stay as they were
        elif action == "oversized":
            response, _ = self._send(
                http, "GET", "/large", user.cookie_header, params={"size": OVERSIZED}
            )
            self._expect(response, 500, action)
            if response.headers.get_list("set-cookie"):
                self.outcomes.fail("oversized_set_cookie", "a 500 changed the cookie")
            return
        else:
            raise ValueError(f"unknown action {action!r}")
        user.keep_cookies(response, generation)
        user.used_at = now

    def _expect(self, response: httpx.Response, status: int, action: str) -> bool:
        if response.status_code == status:
            return True
        self.outcomes.fail(
            f"status_{response.status_code}",
            f"{action}: expected {status}, got {response.status_code} {response.text[:120]!r}",
        )
        return False


def _items(body: dict[str, Any]) -> int:
    """How many items the nested list of a session shown in ``body`` has."""
    nested = body.get("nested")
    return len(nested["items"]) if isinstance(nested, dict) else 0


def _garbage(rng: random.Random, user: User) -> str:
    """A Cookie header whose session cookie must not open."""
    own = user.cookies.get(COOKIE_NAME, "")
    choice = rng.randrange(5)
    if choice == 0 or not own:
        noise = base64.urlsafe_b64encode(rng.randbytes(rng.randrange(1, 300))).decode()
        return f"{COOKIE_NAME}={noise.rstrip('=')}"
    if choice == 1:
        position = rng.randrange(len(own))
        flipped = chr(ord(own[position]) ^ (1 << rng.randrange(6)))
        # A control character makes the whole request invalid HTTP, which a server may
        # refuse before any application sees it: keep the header valid, the cookie bad.
        if not ("\x21" <= flipped <= "\x7e") or flipped in ';,"=\\':
            flipped = "~"
        return f"{COOKIE_NAME}={own[:position]}{flipped}{own[position + 1 :]}"
    if choice == 2:
        return f"{COOKIE_NAME}={own[: rng.randrange(len(own))]}"
    if choice == 3:
        return f"{COOKIE_NAME}={'A' * 6000}; other={'b' * 1000}"
    return f"{COOKIE_NAME}={own[::-1]}"
