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

With revocations (``Load(..., revocations=RevocationRules(...))``, the soak's default), four
more actions, and the shares above are of the whole with them:

=================  ======  ===============================================================
action             share   expected answer
=================  ======  ===============================================================
login               4 %    a ``/counter`` (checked as above), then ``POST /regenerate?user=U``:
                           200 and ``{"id": ..., "user": U}``; the count continues (the data
                           is kept under a new identity); a copy of the cookie is kept as
                           another device's
logout              2 %    ``POST /logout`` (revoke, then clear): 200, ``{}``, the cookie
                           deleted; the cookie sent is kept as a stolen copy, revoked
logout everywhere   1 %    ``POST /logout-everywhere`` (revoke the user, then clear), for a
                           logged-in user: 200, ``{}``, the cookie deleted; every copy of the
                           user's sessions is revoked, as is the cookie sent
stolen copy         4 %    ``GET /view`` with a revoked copy (of a user of the thread that
                           has one), from a throwaway jar: see below
=================  ======  ===============================================================

What the rules promise a revoked copy: within the store's refresh ``interval`` of the
revocation, either answer (a process that has not read the store yet may still open it);
after ``interval + margin``, a fresh session (``{}``), never the session. A fresh session is
an **expected refusal**, counted by reach (``session``, ``user``); the copy's session shown
after the deadline is a failure (``revoked_accepted``); shown before it, it is counted as
``accepted_early``. A user's "not before" is whole seconds of the servers' clock, and refuses
sessions created *before* it: a copy whose session may have started in the same second (by the
soak's stage clock, within ``clock_step``) may be accepted whenever, and is counted so
(``accepted_same_second``). The times of revocations are ``Load``'s ``clock`` (monotonic
seconds by default; tests inject one).

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from client_session_conformance import parse_set_cookie

__all__ = ["ACTIONS", "REVOCATION_ACTIONS", "Load", "Outcomes", "RevocationRules", "User"]

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

REVOCATION_ACTIONS: tuple[tuple[str, int], ...] = (
    ("login", 4),
    ("logout", 2),
    ("logout_everywhere", 1),
    ("stolen", 4),
)
KEPT_COPIES = 4  # each user's copies kept, per kind: a bounded list in a long soak


@dataclass(frozen=True)
class RevocationRules:
    """The servers' revocation settings, as the load judges them."""

    interval: float  # seconds between two reads of the store by a server's Revocations
    margin: float  # seconds beyond the interval before a revoked copy must be refused

    def due(self, revoked_at: float) -> float:
        """From when (``Load.clock``) a copy revoked at ``revoked_at`` must be refused."""
        return revoked_at + self.interval + self.margin


@dataclass(frozen=True)
class Copy:
    """A copy of a user's cookie, taken at a login (another device's, or a thief's)."""

    header: str
    created_by: float  # the latest stage clock time its session can have started at


@dataclass(frozen=True)
class Revoked:
    """A copy whose session a logout revoked."""

    header: str
    revoked_at: float  # Load.clock when the revoking answer came back
    reach: str  # "session" (/logout) or "user" (/logout-everywhere)
    certain: bool  # False: it may have started in the second of the user's "not before"


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
    account: str | None = None  # the user id it logs in as, chosen at its first login
    bound: bool = False  # its session is bound to ``account`` (a login since the last end)
    logins: list[Copy] = field(default_factory=list)  # its sessions' copies, since a logout
    revoked: list[Revoked] = field(default_factory=list)

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
        self.bound = False

    def keep_revoked(self, copy: Revoked) -> None:
        self.revoked.append(copy)
        del self.revoked[:-KEPT_COPIES]


@dataclass
class Outcomes:
    """What the load saw. ``failures`` must stay empty for the soak to pass."""

    requests: Counter[str] = field(default_factory=Counter)
    expired: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    retried: Counter[str] = field(default_factory=Counter)
    revoked: Counter[str] = field(default_factory=Counter)  # revocations made, by reach
    refused: Counter[str] = field(default_factory=Counter)  # expected refusals, by reach
    accepted_early: Counter[str] = field(default_factory=Counter)
    accepted_same_second: int = 0
    logins: int = 0
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
            "logins": self.logins,
            "revoked": dict(self.revoked),
            "refused": dict(self.refused),
            "accepted_early": dict(self.accepted_early),
            "accepted_same_second": self.accepted_same_second,
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

    def __init__(
        self,
        stage: Stage,
        *,
        threads: int,
        users: int,
        rate: float,
        seed: int,
        revocations: RevocationRules | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stage = stage
        self.revocations = revocations
        self.clock = clock
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
        actions = ACTIONS + (REVOCATION_ACTIONS if self.revocations else ())
        names, weights = zip(*actions, strict=True)
        with httpx.Client(timeout=TIMEOUT) as http:
            next_at = time.monotonic()
            while not self._stop.is_set():
                action = rng.choices(names, weights)[0]
                slot = rng.randrange(len(users))
                if action == "stolen":  # a thief replays a revoked copy of any user it has
                    holders = [index for index, user in enumerate(users) if user.revoked]
                    slot = rng.choice(holders) if holders else slot
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
        elif action == "login":
            self._login(http, rng, user)
            return
        elif action in ("logout", "logout_everywhere"):
            self._logout(http, rng, user, everywhere=action == "logout_everywhere")
            return
        elif action == "stolen":
            self._stolen(http, rng, user)
            return
        else:
            raise ValueError(f"unknown action {action!r}")
        user.keep_cookies(response, generation)
        user.used_at = now

    # -- revocations ----------------------------------------------------------------------

    def _login(self, http: httpx.Client, rng: random.Random, user: User) -> None:
        """A ``/counter`` (checked, and a session with content), then ``/regenerate?user=``:
        a new identity bound to the user's account, the data kept (the next answer that shows
        the session checks that the count continued). A copy of the cookie is kept: the
        session as another device, or a thief, holds it."""
        self._act(http, rng, user, "counter")
        if COOKIE_NAME not in user.cookies:
            return  # the counter's answer was wrong, and counted so
        now = self.stage.now
        account = user.account or f"user-{rng.randrange(10**12)}"
        response, generation = self._send(
            http, "POST", "/regenerate", user.cookie_header, params={"user": account}
        )
        if not self._expect(response, 200, "login"):
            return
        body = response.json()
        if body.get("user") != account or not body.get("id"):
            self.outcomes.fail("login_answer", f"expected user {account!r} and an id: {body!r}")
            return
        user.keep_cookies(response, generation)
        user.account, user.bound = account, True
        user.created_at = user.used_at = now  # regenerate() starts a new lifetime
        # The server's clock is at most one step ahead of the stage's (it moves first).
        created_by = self.stage.now + self.stage.clock_step
        user.logins.append(Copy(user.cookie_header or "", created_by))
        del user.logins[:-KEPT_COPIES]
        with self.outcomes.lock:
            self.outcomes.logins += 1

    def _logout(
        self, http: httpx.Client, rng: random.Random, user: User, *, everywhere: bool
    ) -> None:
        """``/logout`` (the session's copies revoked) or ``/logout-everywhere`` (every session
        of the user created before its "not before"): 200, ``{}``, the cookie deleted; the
        copies revoked are kept, for ``stolen`` to send."""
        if everywhere and not user.bound:
            self._login(http, rng, user)  # a logged-in user signs out everywhere
            return
        header = user.cookie_header
        if header is None or COOKIE_NAME not in user.cookies:
            self._act(http, rng, user, "counter")  # nothing to log out of yet
            return
        action = "logout_everywhere" if everywhere else "logout"
        not_before_from = self.stage.now  # the server's clock is there or later
        response, generation = self._send(
            http, "POST", "/logout-everywhere" if everywhere else "/logout", header
        )
        if not self._expect(response, 200, action):
            return
        revoked_at = self.clock()
        user.keep_cookies(response, generation)
        if response.json() != {} or COOKIE_NAME in user.cookies:
            self.outcomes.fail(
                f"{action}_answer",
                f"expected {{}} and the cookie deleted, got {response.text[:80]!r} and "
                f"{'a' if COOKIE_NAME in user.cookies else 'no'} cookie",
            )
            user.cookies.pop(COOKIE_NAME, None)
        if everywhere:
            # The current session is the last login's (a login binds; an end unbinds).
            copies = [*user.logins, Copy(header, user.logins[-1].created_by)]
            for copy in copies:
                certain = copy.created_by < not_before_from
                user.keep_revoked(Revoked(copy.header, revoked_at, "user", certain))
            user.logins.clear()
        else:
            user.keep_revoked(Revoked(header, revoked_at, "session", certain=True))
        with self.outcomes.lock:
            self.outcomes.revoked["user" if everywhere else "session"] += 1
        user.reset(self.stage.now)

    def _stolen(self, http: httpx.Client, rng: random.Random, user: User) -> None:
        """One of the user's revoked copies, sent from a throwaway jar: a fresh session is an
        expected refusal; the session itself is allowed until ``interval + margin`` after the
        revocation (and whenever for a copy that may have started in the second of the user's
        "not before"), and a failure after."""
        if not user.revoked:
            self._act(http, rng, user, "counter")
            return
        copy = rng.choice(user.revoked)
        sent_at = self.clock()
        response, _ = self._send(http, "GET", "/view", copy.header)
        if not self._expect(response, 200, "stolen"):
            return
        rules = self.revocations
        due = rules.due(copy.revoked_at) if rules is not None else float("inf")
        with self.outcomes.lock:
            if response.json() == {}:
                self.outcomes.refused[copy.reach] += 1
                return
            if not copy.certain:
                self.outcomes.accepted_same_second += 1
                return
            if sent_at < due:
                self.outcomes.accepted_early[copy.reach] += 1
                return
        self.outcomes.fail(
            "revoked_accepted",
            f"a copy revoked ({copy.reach}) {sent_at - copy.revoked_at:.1f} s before, "
            f"{sent_at - due:.1f} s past its due time, opened: {response.text[:80]}",
        )

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
