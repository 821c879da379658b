"""Real CalDAV servers on 127.0.0.1, an independent reader, and a fault-injecting proxy.

A pytest plugin (tests/conftest.py loads it through `pytest_plugins`) for the tests of
`kapplan sync --to URL`. Nothing here is a mock: Radicale and Xandikos run as
subprocesses of the test session, and every check reads the calendar back with plain
HTTP, not with the caldav library that the sync itself uses.

Fixtures
--------
`radicale_server`, `xandikos_server` -> `Server`
    One server process per test session, started the first time a test asks for it
    (on a free port, with its storage in a temporary folder) and stopped at the end.
    A test may `stop()` and `start()` it (same port, same storage); it is started
    again after that test if the test left it stopped.
`caldav_server` -> `Server`
    Parametrized: the test runs once on each server, ids `radicale` and `xandikos`.
`fresh_calendar_url` -> str
    A calendar URL of `caldav_server` that no other test uses and that does not exist
    yet (so `kapplan sync` may create it). `create_calendar(url)` makes it, when a
    test needs it to exist first. A test using it runs on both servers.
`fault_proxy` -> `FaultProxy`
    A reverse proxy on its own port in front of `caldav_server`: `proxy.url(u)` maps
    a server URL onto the proxy. It passes everything through until told to fail
    (see `FaultProxy`), and counts the requests it saw by method.

URL layout and credentials
--------------------------
Radicale (`[auth] type = none`, `[rights] type = owner_only`)
    base      http://127.0.0.1:PORT/
    principal http://127.0.0.1:PORT/kapplan/      (calendar home = principal)
    calendar  http://127.0.0.1:PORT/kapplan/NAME/ (none exists until one is made)
    Send Basic auth with user `kapplan` and any password (`Server.user`,
    `Server.password`: "kapplan", "x"). With `auth none` Radicale takes the user from
    the Basic user name and accepts any password. Reading and writing calendars works
    without any Authorization header too, but asking for DAV:current-user-principal
    anonymously is answered 401 with a Basic challenge: the caldav library, given a
    user name, answers the challenge and finds `/kapplan/`; without a user name its
    `principal()` fails. (`[auth] delay = 0` here, so that 401 is not slowed down.)
Xandikos (`--defaults`, one user, no authentication)
    base      http://127.0.0.1:PORT/
    principal http://127.0.0.1:PORT/user/
    home      http://127.0.0.1:PORT/user/calendars/
    calendar  http://127.0.0.1:PORT/user/calendars/NAME/
    `--defaults` creates `/user/calendars/calendar/` (`Server.default_calendar_url`).
    Credentials are ignored: any or none work (the same "kapplan"/"x" are sent).

What each does (Radicale 3.9, Xandikos 0.4.10, proved in tests/test_caldav_servers.py)
    Both make a calendar on MKCALENDAR: plain HTTP (`create_calendar`), caldav's
    `principal.make_calendar(name=..., cal_id=...)` (a MKCALENDAR, then a PROPPATCH
    for the name) or `client.calendar(url=...).save()`. Both answer a
    CALDAV:free-busy-query REPORT with a VFREEBUSY (`free_busy`), and a PUT with a
    stale If-Match with 412. Where they differ:
    - a PROPFIND on a calendar that does not exist: Radicale 404; Xandikos 207 with
      a 404 inside, its href absolute (http://HOST/...);
    - MKCALENDAR where a calendar exists: Radicale 409, Xandikos 403;
    - DELETE of an object: Radicale 200, Xandikos 204; PUT into a missing calendar:
      409 on both;
    - Xandikos refuses a PROPFIND or REPORT body without an XML Content-Type (415),
      and sends the free-busy answer as application/octet-stream;
    - Radicale answers in HTTP/1.0 and closes each connection; Xandikos keeps it.
    A start takes about 0.3 s (Radicale) and 0.5 s (Xandikos); a stop, under 0.2 s.

The proxy
    `FaultProxy(upstream_base_url)` is also a context manager. It sends the client's
    Host header on, so absolute URLs a server writes name the proxy; with the server
    down it answers 502.

Helpers (plain `urllib.request`, no proxy from the environment)
---------------------------------------------------------------
`dav_request(method, url, ...)` -> `Response`: one request, any status returned, not
raised. `create_calendar(url)`, `read_objects(url)`, `read_calendar(url)` ->
{uid: icalendar.Event}, `put_event(url, ics)`, `edit_event(url, uid, start, end)` (GET,
then PUT with If-Match, as a calendar app saves a dragged event), `delete_event`,
`free_busy(url, start, end)`.

Run `python -m tests.caldav_servers` to start both servers by hand and print their URLs.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import importlib.util
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import icalendar
import pytest

#: The user name sent to both servers, and the password (neither server checks it).
USER = "kapplan"
PASSWORD = "x"

#: How long a server may take to answer after it is started.
START_TIMEOUT = 15.0

#: Methods that change a calendar: what "a second run made no writes" counts.
WRITE_METHODS = frozenset({"PUT", "DELETE", "MKCALENDAR", "MKCOL", "PROPPATCH", "POST", "MOVE"})

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"


class DavError(Exception):
    """A helper's request was answered with a status it did not expect."""

    def __init__(self, method: str, url: str, status: int, body: bytes) -> None:
        self.method, self.url, self.status, self.body = method, url, status, body
        text = body.decode("utf-8", "replace")[:500]
        super().__init__(f"{method} {url} -> {status}: {text}")


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to kill this child when the test process dies, however it dies."""
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _may_tie_to_parent() -> bool:
    """Whether a child may die with this thread: on Linux, from the main thread only
    (the kernel signals the child when the thread that started it ends)."""
    return sys.platform == "linux" and threading.current_thread() is threading.main_thread()


class ServerProcess:
    """One server's subprocess: started, probed until it answers, stopped; restartable."""

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], log_path: Path, probe_url: str
    ) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path, self.probe_url = log_path, probe_url
        self.popen: subprocess.Popen[bytes] | None = None
        #: Seconds the last start took until the server answered.
        self.started_in: float | None = None

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        """Start the process (if it is not running) and wait until it answers HTTP."""
        if self.running:
            return
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                preexec_fn=_die_with_parent if _may_tie_to_parent() else None,
            )
        deadline = began + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.popen.returncode} on start:\n{self.log_tail()}"
                )
            try:
                dav_request("OPTIONS", self.probe_url, timeout=0.5)
            except OSError:
                time.sleep(0.05)
                continue
            self.started_in = time.monotonic() - began
            return
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer within {START_TIMEOUT:.0f} s:\n{self.log_tail()}"
        )

    def stop(self, *, graceful: bool = True) -> None:
        """Stop the process: SIGTERM and up to 5 s (or SIGKILL at once), then SIGKILL."""
        popen, self.popen = self.popen, None
        if popen is None or popen.poll() is not None:
            return
        if graceful:
            popen.terminate()
            try:
                popen.wait(timeout=5)
                return
            except subprocess.TimeoutExpired:
                pass
        popen.kill()
        popen.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        """Return the last lines the server wrote."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True)
class Server:
    """A running CalDAV server: its URLs, credentials, files and process.

    URLs end in "/". `calendar_url(name)` is where a calendar of that name lives (or
    would, once made). `stop()` and `start()` keep the port and the storage.
    """

    name: str
    base_url: str
    principal_url: str
    #: The collection new calendars go in.
    home_url: str
    #: A calendar that exists from the start, if the server makes one.
    default_calendar_url: str | None
    port: int
    #: The temporary folder holding this server's config, storage and log.
    root: Path
    storage: Path
    process: ServerProcess = field(repr=False, compare=False)
    user: str = USER
    password: str = PASSWORD

    def calendar_url(self, name: str) -> str:
        """Return the URL of the calendar called name (a single path segment)."""
        return f"{self.home_url}{urllib.parse.quote(name, safe='')}/"

    def new_calendar_url(self, hint: str = "cal") -> str:
        """Return the URL of a calendar that does not exist yet, its name from hint."""
        slug = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-")[:40] or "cal"
        return self.calendar_url(f"{slug}-{uuid.uuid4().hex[:8]}")

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self.process.popen.pid if self.process.running and self.process.popen else None

    @property
    def running(self) -> bool:
        """Whether the server's process is alive."""
        return self.process.running

    @property
    def log_path(self) -> Path:
        """Where the server's output goes."""
        return self.process.log_path

    def start(self) -> None:
        """Start the server again on its port, over its storage; wait until it answers."""
        self.process.start()

    def stop(self, *, graceful: bool = True) -> None:
        """Stop the server (graceful=False: SIGKILL, as a crash); its data stays."""
        self.process.stop(graceful=graceful)


def _require(module: str) -> None:
    """Skip the test when module is not installed (fail instead under CI=1)."""
    if importlib.util.find_spec(module) is None:
        reason = f"{module} is not installed: pip install -e '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _child_env(root: Path) -> dict[str, str]:
    """Return the environment for a server: its state kept under root."""
    return {
        **os.environ,
        "HOME": str(root / "home"),
        "XDG_DATA_HOME": str(root / "home" / "data"),
        "XDG_CONFIG_HOME": str(root / "home" / "config"),
        "XDG_CACHE_HOME": str(root / "home" / "cache"),
        "PYTHONUNBUFFERED": "1",
    }


def launch_radicale(root: Path, port: int | None = None) -> Server:
    """Start Radicale with its config, storage and log under root; return it running."""
    port = port or free_port()
    storage = root / "collections"
    config = root / "config"
    config.write_text(
        f"""\
[server]
hosts = 127.0.0.1:{port}
# No extra second on 5xx answers (the default delays them).
delay_on_error = 0

[auth]
# Any user name and password; the user is the Basic auth user name.
type = none
# No delay on a 401 challenge.
delay = 0

[rights]
# Under auth none this lets everyone read and write /USER/ and /USER/CALENDAR/.
type = owner_only

[storage]
filesystem_folder = {storage}

[web]
type = none

[logging]
level = warning
""",
        encoding="utf-8",
    )
    return _launch(
        "radicale",
        root,
        port,
        ["radicale", "--config", str(config)],
        storage,
        principal=f"{USER}/",
        home=f"{USER}/",
    )


def launch_xandikos(root: Path, port: int | None = None) -> Server:
    """Start Xandikos (--defaults) with its storage and log under root; return it running."""
    port = port or free_port()
    storage = root / "data"
    argv = ["xandikos.web", "--defaults", "--directory", str(storage)]
    argv += ["--listen-address", "127.0.0.1", "--port", str(port)]
    argv += ["--current-user-principal", "/user/"]
    return _launch(
        "xandikos",
        root,
        port,
        argv,
        storage,
        principal="user/",
        home="user/calendars/",
        default="user/calendars/calendar/",
    )


#: Runs `python -m MODULE ARGS...` with os.fsync a no-op: both servers fsync each write
#: (Radicale its files, Xandikos its git refs), which costs tens of milliseconds a PUT
#: on a real disk and guards only against the machine itself crashing, never part of a
#: test. A server stopped or killed keeps every write all the same (the page cache holds
#: it), so what the tests see is unchanged.
_WITHOUT_FSYNC = (
    "import os, runpy, sys\n"
    "os.fsync = lambda fd: None\n"
    "del sys.argv[0]\n"
    "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
)


def _launch(
    name: str,
    root: Path,
    port: int,
    module_argv: list[str],
    storage: Path,
    *,
    principal: str,
    home: str,
    default: str | None = None,
) -> Server:
    """Start `python -m MODULE_ARGV` (without fsync) as the server name; return it once
    it answers."""
    base = f"http://127.0.0.1:{port}/"
    server = Server(
        name=name,
        base_url=base,
        principal_url=base + principal,
        home_url=base + home,
        default_calendar_url=None if default is None else base + default,
        port=port,
        root=root,
        storage=storage,
        process=ServerProcess(
            name,
            [sys.executable, "-c", _WITHOUT_FSYNC, *module_argv],
            _child_env(root),
            root / f"{name}.log",
            base,
        ),
    )
    server.start()
    return server


LAUNCHERS: dict[str, Callable[[Path], Server]] = {
    "radicale": launch_radicale,
    "xandikos": launch_xandikos,
}


def _session_server(name: str, factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Launch one server for the session and stop it at the end, whatever happened."""
    _require(name)
    server = LAUNCHERS[name](factory.mktemp(name))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="radicale_session", scope="session")
def fixture_radicale_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Radicale for the whole session (use `radicale_server` in tests)."""
    yield from _session_server("radicale", tmp_path_factory)


@pytest.fixture(name="xandikos_session", scope="session")
def fixture_xandikos_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Xandikos for the whole session (use `xandikos_server` in tests)."""
    yield from _session_server("xandikos", tmp_path_factory)


def _running(server: Server) -> Iterator[Server]:
    """Hand a test the server running, and leave it running for the next test."""
    server.start()
    yield server
    server.start()


@pytest.fixture(name="radicale_server")
def fixture_radicale_server(radicale_session: Server) -> Iterator[Server]:
    """Radicale on 127.0.0.1, running; shared by the session, so use fresh calendars."""
    yield from _running(radicale_session)


@pytest.fixture(name="xandikos_server")
def fixture_xandikos_server(xandikos_session: Server) -> Iterator[Server]:
    """Xandikos on 127.0.0.1, running; shared by the session, so use fresh calendars."""
    yield from _running(xandikos_session)


@pytest.fixture(name="caldav_server", params=["radicale", "xandikos"])
def fixture_caldav_server(request: pytest.FixtureRequest) -> Server:
    """Each CalDAV server in turn (test ids `radicale`, `xandikos`)."""
    server: Server = request.getfixturevalue(f"{request.param}_server")
    return server


@pytest.fixture(name="fresh_calendar_url")
def fixture_fresh_calendar_url(caldav_server: Server, request: pytest.FixtureRequest) -> str:
    """A URL on `caldav_server` of a calendar no test has made (named after the test)."""
    return caldav_server.new_calendar_url(request.node.originalname)


@pytest.fixture(name="fault_proxy")
def fixture_fault_proxy(caldav_server: Server) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of `caldav_server`, passing through at first."""
    with FaultProxy(caldav_server.base_url) as proxy:
        yield proxy


# --------------------------------------------------------------------------- plain HTTP


@dataclass(frozen=True)
class Response:
    """A plain HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        """Return a header's value (case-insensitive), or None."""
        return self.headers.get(name.lower())


#: urllib without the environment's http_proxy: these requests go to 127.0.0.1 directly.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def dav_request(
    method: str,
    url: str,
    body: bytes | str | None = None,
    *,
    headers: dict[str, str] | None = None,
    user: str | None = USER,
    password: str = PASSWORD,
    timeout: float = 10.0,
) -> Response:
    """Send one request and return the answer, whatever its status (user=None: no auth).

    A connection that fails (refused, reset, closed before an answer, timed out)
    raises OSError (urllib's URLError, http.client's RemoteDisconnected, TimeoutError).
    """
    data = body.encode("utf-8") if isinstance(body, str) else body
    sent = dict(headers or {})
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        sent.setdefault("Authorization", f"Basic {token}")
    if data is not None and "Content-Type" not in sent and data.lstrip().startswith(b"<"):
        sent["Content-Type"] = 'application/xml; charset="utf-8"'
    request = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return Response(
                answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
            )
    except urllib.error.HTTPError as error:
        with error:
            return Response(
                error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()
            )


def _expect(response: Response, method: str, url: str, *statuses: int) -> Response:
    if response.status not in statuses:
        raise DavError(method, url, response.status, response.body)
    return response


def create_calendar(url: str, display_name: str | None = None, **auth: Any) -> Response:
    """Make the calendar at url with MKCALENDAR (201); raise DavError otherwise."""
    body = None
    if display_name is not None:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<C:mkcalendar xmlns:D="{DAV}" xmlns:C="{CALDAV}"><D:set><D:prop>'
            f"<D:displayname>{_xml_text(display_name)}</D:displayname>"
            "<C:supported-calendar-component-set>"
            '<C:comp name="VEVENT"/></C:supported-calendar-component-set>'
            "</D:prop></D:set></C:mkcalendar>"
        )
    return _expect(dav_request("MKCALENDAR", url, body, **auth), "MKCALENDAR", url, 201)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class CalendarObject:
    """One resource of a calendar collection: its URL, ETag and iCalendar text."""

    url: str
    etag: str
    text: str

    @property
    def calendar(self) -> icalendar.Calendar:
        """The text parsed by icalendar."""
        return icalendar.Calendar.from_ical(self.text)


_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    f'<C:calendar-query xmlns:D="{DAV}" xmlns:C="{CALDAV}">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"/></C:filter>'
    "</C:calendar-query>"
)


def read_objects(url: str, **auth: Any) -> list[CalendarObject]:
    """List every object of the calendar at url (REPORT calendar-query, Depth 1)."""
    response = _expect(
        dav_request("REPORT", url, _QUERY, headers={"Depth": "1"}, **auth), "REPORT", url, 207
    )
    objects = []
    for item in ET.fromstring(response.body).iter(f"{{{DAV}}}response"):
        href = item.findtext(f"{{{DAV}}}href")
        data = item.find(f".//{{{CALDAV}}}calendar-data")
        if href is None or data is None or not (data.text or "").strip():
            continue
        etag = item.findtext(f".//{{{DAV}}}getetag") or ""
        objects.append(CalendarObject(urllib.parse.urljoin(url, href), etag, data.text or ""))
    return sorted(objects, key=lambda o: o.url)


def _master(calendar: icalendar.Calendar) -> icalendar.Event | None:
    """Return a calendar object's VEVENT without RECURRENCE-ID."""
    for component in calendar.walk("VEVENT"):
        if isinstance(component, icalendar.Event) and "RECURRENCE-ID" not in component:
            return component
    return None


def read_calendar(url: str, **auth: Any) -> dict[str, icalendar.Event]:
    """Return the events of the calendar at url by UID, read with plain HTTP and icalendar.

    Independent of the caldav library. A recurring event is its master VEVENT (its
    overrides are in `read_objects`). Two objects with one UID raise AssertionError.
    """
    events: dict[str, icalendar.Event] = {}
    where: dict[str, str] = {}
    for item in read_objects(url, **auth):
        master = _master(item.calendar)
        if master is None:
            continue
        uid = master.uid
        assert uid not in events, f"UID {uid} is in two objects: {where[uid]} and {item.url}"
        events[uid], where[uid] = master, item.url
    return events


def _find(url: str, uid: str, **auth: Any) -> CalendarObject:
    for item in read_objects(url, **auth):
        master = _master(item.calendar)
        if master is not None and master.uid == uid:
            return item
    raise KeyError(f"no event with UID {uid} in {url}")


def put_event(url: str, ics_text: str, *, name: str | None = None, **auth: Any) -> str:
    """Add an event of the person's own to the calendar at url; return its object URL.

    ics_text is a VCALENDAR, or VEVENT lines (then wrapped in one). The object is
    named UID.ics unless name is given; an existing object is not overwritten
    (If-None-Match: *).
    """
    if "BEGIN:VCALENDAR" not in ics_text:
        ics_text = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kapplan tests//own event//EN\r\n"
            f"{ics_text.strip()}\r\nEND:VCALENDAR\r\n"
        )
    assert url.endswith("/"), f"a calendar URL ends in '/': {url}"
    text = ics_text.replace("\r\n", "\n").replace("\n", "\r\n")
    master = _master(icalendar.Calendar.from_ical(text))
    assert master is not None, "put_event needs a VEVENT"
    target = urllib.parse.urljoin(url, urllib.parse.quote(name or f"{master.uid}.ics", safe=""))
    headers = {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"}
    _expect(dav_request("PUT", target, text, headers=headers, **auth), "PUT", target, 201, 204)
    return target


def edit_event(
    url: str,
    uid: str,
    new_start: datetime | date,
    new_end: datetime | date,
    **auth: Any,
) -> icalendar.Event:
    """Move an event as a calendar app does when it is dragged; return the new VEVENT.

    GET the object, set DTSTART and DTEND (a DURATION becomes DTEND), LAST-MODIFIED and
    DTSTAMP to now, SEQUENCE + 1, add a VTIMEZONE a new zone needs, and PUT it with
    If-Match on the ETag read. DavError(412) when the object changed in between.
    """
    found = _find(url, uid, **auth)
    got = _expect(dav_request("GET", found.url, **auth), "GET", found.url, 200)
    etag = got.header("etag") or found.etag
    calendar = icalendar.Calendar.from_ical(got.text)
    master = _master(calendar)
    assert master is not None
    for name in ("DTSTART", "DTEND", "DURATION"):
        master.pop(name, None)
    now = datetime.now(UTC).replace(microsecond=0)
    master.start, master.end = new_start, new_end
    master.stamp = master.last_modified = now
    master.sequence += 1
    calendar.add_missing_timezones()
    headers = {"Content-Type": "text/calendar; charset=utf-8", "If-Match": etag}
    body = calendar.to_ical()
    _expect(
        dav_request("PUT", found.url, body, headers=headers, **auth), "PUT", found.url, 200, 204
    )
    return master


def delete_event(url: str, uid: str, **auth: Any) -> None:
    """Delete the event with uid from the calendar at url, as a person does in an app."""
    found = _find(url, uid, **auth)
    headers = {"If-Match": found.etag} if found.etag else {}
    _expect(
        dav_request("DELETE", found.url, headers=headers, **auth), "DELETE", found.url, 200, 204
    )


def free_busy(
    url: str, start: datetime, end: datetime, **auth: Any
) -> list[tuple[datetime, datetime]]:
    """Ask the calendar at url for its busy periods (CALDAV:free-busy-query REPORT)."""

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<C:free-busy-query xmlns:C="{CALDAV}">'
        f'<C:time-range start="{stamp(start)}" end="{stamp(end)}"/></C:free-busy-query>'
    )
    response = _expect(
        dav_request("REPORT", url, body, headers={"Depth": "1"}, **auth), "REPORT", url, 200
    )
    periods = []
    for component in icalendar.Calendar.from_ical(response.body).walk("VFREEBUSY"):
        found = component.get("FREEBUSY", [])
        for period in found if isinstance(found, list) else [found]:
            begin, until = period.dt
            periods.append((begin, until if isinstance(until, datetime) else begin + until))
    return sorted(periods)


# --------------------------------------------------------------------------- the proxy


@dataclass(frozen=True)
class Seen:
    """One request the proxy received, and the status it answered (None: none sent)."""

    method: str
    path: str
    status: int | None
    #: The Authorization header it carried, if any (what login a client sent).
    authorization: str | None = None


@dataclass
class _Mode:
    kind: str = "pass"  # pass | fail | delay | drop | refuse
    status: int = 0
    methods: frozenset[str] | None = None
    seconds: float = 0.0
    after: int = 0
    times: int | None = None
    forward_first: bool = False
    matched: int = 0

    def applies(self, method: str) -> bool:
        return self.methods is None or method in self.methods


_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)


class FaultProxy:
    """A reverse proxy on 127.0.0.1 in front of a server, with faults switched on demand.

    Modes (each replaces the last; `pass_through()` ends it):
      `fail(status, methods=None, times=None)`: answer status instead of forwarding
          (401 carries WWW-Authenticate: Basic). methods limits it (e.g. {"PUT",
          "DELETE"}, or WRITE_METHODS); times limits how often, then it passes again.
      `delay(seconds, methods=None, forward_first=False)`: hold the request that long,
          then forward it; a request still held when the mode changes or the proxy
          closes is dropped, never forwarded (forward_first: the request reaches the
          server first, so a write lands and only its answer is late).
      `drop_after(n, methods=None, forward_first=False)`: forward n (matching)
          requests, then close the connection of each later one with a TCP reset and
          no answer (forward_first: after the server acted on it).
      `refuse()`: stop listening (connections are refused) until `pass_through()`.
    `counts` (Counter by method), `writes` and `log` (every `Seen` request, answered
    or not) record what reached the proxy; `reset_counts()` starts them afresh.
    """

    def __init__(self, upstream: str, port: int | None = None) -> None:
        parts = urllib.parse.urlsplit(upstream)
        assert parts.hostname is not None, upstream
        assert parts.port is not None, upstream
        self.upstream_host, self.upstream_port = parts.hostname, parts.port
        self.upstream = f"{parts.scheme}://{parts.netloc}"
        #: Port 0 until the first listen, which takes one the kernel hands out (no other
        #: process, e.g. another test worker, can be given it in between).
        self.port = port or 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._mode = _Mode()
        self._log: list[Seen] = []
        self._connections: set[socket.socket] = set()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._listen()
        self.base_url = f"http://127.0.0.1:{self.port}/"

    # -- life

    def _listen(self) -> None:
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        httpd = _QuietServer(("127.0.0.1", self.port), Handler)
        self.port = httpd.server_address[1]
        thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        self._httpd, self._thread = httpd, thread

    def _unlisten(self) -> None:
        httpd, thread, self._httpd, self._thread = self._httpd, self._thread, None, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            # shutdown, not only close: it also wakes a handler waiting on a kept-alive
            # connection for the client's next request.
            with contextlib.suppress(OSError):
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_0)
                connection.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop listening and drop every open connection."""
        with self._lock:
            self._mode = _Mode("refuse")
            self._wake.set()
        self._unlisten()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, upstream_url: str) -> str:
        """Return upstream_url (on the proxied server) as a URL through the proxy."""
        assert upstream_url.startswith(self.upstream), (upstream_url, self.upstream)
        return self.base_url.rstrip("/") + upstream_url[len(self.upstream) :]

    # -- modes

    def _set(self, mode: _Mode) -> None:
        with self._lock:
            self._mode, wake, self._wake = mode, self._wake, threading.Event()
        wake.set()  # end a delay in progress
        if self._httpd is None:
            self._listen()

    def pass_through(self) -> None:
        """Forward everything (and listen again after `refuse()`)."""
        self._set(_Mode())

    def fail(
        self, status: int, methods: Collection[str] | None = None, times: int | None = None
    ) -> None:
        """Answer status to requests (of these methods; the next `times` of them)."""
        self._set(_Mode("fail", status=status, methods=_methods(methods), times=times))

    def delay(
        self, seconds: float, methods: Collection[str] | None = None, *, forward_first: bool = False
    ) -> None:
        """Hold the answer to requests (of these methods) for seconds."""
        self._set(
            _Mode("delay", seconds=seconds, methods=_methods(methods), forward_first=forward_first)
        )

    def drop_after(
        self, n: int, methods: Collection[str] | None = None, *, forward_first: bool = False
    ) -> None:
        """Forward n requests (of these methods), then reset the connection of later ones."""
        self._set(_Mode("drop", after=n, methods=_methods(methods), forward_first=forward_first))

    def refuse(self) -> None:
        """Stop listening: connections to the proxy's port are refused, and open ones
        (a client's kept-alive connection) are closed."""
        with self._lock:
            self._mode, wake, self._wake = _Mode("refuse"), self._wake, threading.Event()
        wake.set()
        self._unlisten()

    # -- what was seen

    @property
    def log(self) -> list[Seen]:
        """Every request received, in order."""
        with self._lock:
            return list(self._log)

    @property
    def counts(self) -> Counter[str]:
        """Requests received by method."""
        return Counter(seen.method for seen in self.log)

    @property
    def writes(self) -> int:
        """Requests received with a method that changes a calendar (WRITE_METHODS)."""
        return sum(1 for seen in self.log if seen.method in WRITE_METHODS)

    def reset_counts(self) -> None:
        """Forget the requests seen so far."""
        with self._lock:
            self._log.clear()

    # -- called by the handler

    def _decide(self, method: str) -> tuple[_Mode, threading.Event]:
        """Return what to do with this request (a copy of the mode, counted), and the
        event that ends a delay when the mode changes."""
        with self._lock:
            mode, wake = self._mode, self._wake
            if mode.kind == "refuse":
                return _Mode("drop"), wake
            if not mode.applies(method) or mode.kind == "pass":
                return _Mode(), wake
            mode.matched += 1
            if mode.kind == "fail" and mode.times is not None and mode.matched > mode.times:
                return _Mode(), wake
            if mode.kind == "drop" and mode.matched <= mode.after:
                return _Mode(), wake
            return replace(mode), wake

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self._log.append(seen)


class _QuietServer(ThreadingHTTPServer):
    """Handler threads that never hold up closing, and no tracebacks on stderr."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone, a connection reset: expected here, so stay quiet."""


def _methods(methods: Collection[str] | None) -> frozenset[str] | None:
    return None if methods is None else frozenset(m.upper() for m in methods)


#: SO_LINGER on, zero seconds: closing the socket sends a TCP reset, not a FIN.
_LINGER_0 = struct.pack("ii", 1, 0)


def _reset(connection: socket.socket) -> None:
    """Close a connection with a TCP reset (no FIN, no answer); the handler's files
    still hold it, so the reset goes when the handler finishes, right after."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_0)
    with contextlib.suppress(OSError):
        connection.close()


class _ProxyHandler(BaseHTTPRequestHandler):
    """Forwards one request to the upstream server, or injects the proxy's fault."""

    owner: FaultProxy
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        with self.owner._lock:
            self.owner._connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.owner._lock:
            self.owner._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _handle(self) -> None:
        owner, method = self.owner, self.command.upper()
        body = self._body()
        mode, wake = owner._decide(method)
        if mode.kind == "fail":
            plain = [("Content-Type", "text/plain; charset=utf-8")]
            self._answer(mode.status, plain, f"fault proxy: {mode.status}\n".encode())
            owner._record(Seen(method, self.path, mode.status, self.headers.get("Authorization")))
            return
        if mode.kind == "drop" and not mode.forward_first:
            owner._record(Seen(method, self.path, None, self.headers.get("Authorization")))
            self._drop()
            return
        if mode.kind == "delay" and not mode.forward_first and wake.wait(mode.seconds):
            # The mode changed (or the proxy closed) while holding it: never forwarded.
            owner._record(Seen(method, self.path, None, self.headers.get("Authorization")))
            self._drop()
            return
        status, headers, payload = self._forward(method, body)
        if mode.kind == "drop":
            owner._record(Seen(method, self.path, None, self.headers.get("Authorization")))
            self._drop()
            return
        if mode.kind == "delay" and mode.forward_first:
            wake.wait(mode.seconds)
        owner._record(Seen(method, self.path, status, self.headers.get("Authorization")))
        self._answer(status, headers, payload, head=method == "HEAD")

    def _forward(self, method: str, body: bytes | None) -> tuple[int, list[tuple[str, str]], bytes]:
        owner = self.owner
        # The client's Host goes on (the proxy's address), so absolute URLs a server
        # writes (Xandikos's hrefs of a missing collection) name the proxy.
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in _HOP_BY_HOP and k.lower() not in ("host", "content-length")
        }
        headers["Host"] = self.headers.get("Host") or f"127.0.0.1:{owner.port}"
        if body is not None:
            headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection(owner.upstream_host, owner.upstream_port, timeout=30)
        try:
            upstream.request(method, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            payload = answer.read()
            kept = [
                (k, v.replace(owner.upstream, owner.base_url.rstrip("/")))
                for k, v in answer.getheaders()
                if k.lower() not in _HOP_BY_HOP
            ]
            return answer.status, kept, payload
        except OSError as error:
            return (
                502,
                [("Content-Type", "text/plain")],
                f"fault proxy: upstream unreachable: {error}\n".encode(),
            )
        finally:
            upstream.close()

    def _answer(
        self, status: int, headers: list[tuple[str, str]], payload: bytes, *, head: bool = False
    ) -> None:
        self.send_response_only(status)
        names = {k.lower() for k, _ in headers}
        for name, value in headers:
            if name.lower() != "content-length" or head:
                self.send_header(name, value)
        if status == 401 and "www-authenticate" not in names:
            self.send_header("WWW-Authenticate", 'Basic realm="fault proxy"')
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        bodiless = head or status in (204, 304) or status < 200
        if not bodiless:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if not bodiless:
            self.wfile.write(payload)
        self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        with self.owner._lock:
            self.owner._connections.discard(self.connection)
        _reset(self.connection)


# --------------------------------------------------------------------------- by hand


def main() -> None:  # pragma: no cover - a developer's tool
    """Start both servers in a temporary folder, print their URLs, stop on Ctrl-C."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kapplan-caldav-") as folder:
        servers = []
        try:
            for name, launch in LAUNCHERS.items():
                root = Path(folder) / name
                root.mkdir()
                servers.append(launch(root))
            for server in servers:
                print(f"{server.name}: {server.base_url}  home {server.home_url}", flush=True)
                print(f"  e.g. calendar {server.calendar_url('kapplan')}", flush=True)
            print(f"user {USER!r}, any password. Ctrl-C stops.", flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: stop them anyway
            for server in servers:
                server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
