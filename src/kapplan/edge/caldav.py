"""Talking to a CalDAV server: the one place kapplan opens a network connection.

Only ``kapplan sync --to URL`` comes here, to the server the user named, and
only to that host. Built on the `caldav` library's client (authentication,
sessions, timeouts), an optional extra: ``pip install 'kapplan[caldav]'``.
The requests are few and plain: a calendar-query REPORT that reads every event
with its ETag, MKCALENDAR when the calendar does not exist, and a conditional
PUT or DELETE per change (``If-None-Match: *`` for a new event, ``If-Match``
with the ETag read for one that changed), so an event a person edited in the
meantime is never overwritten (the server answers 412 and the sync stops,
safe to run again).

The user name and password come from ``KAPPLAN_CALDAV_USER`` and
``KAPPLAN_CALDAV_PASSWORD``, else the ``.netrc`` entry of the host, else the
system keyring (service ``kapplan:HOST``): never from the command line, and no
message ever carries them (a URL is shown without its user part). They are
sent with HTTP Basic authentication, which every common CalDAV server takes
(Nextcloud, Fastmail, iCloud with an app-specific password, Radicale,
Xandikos).

Every failure is one `SyncError` line that names the server and says what to
do; nothing here prints.
"""

from __future__ import annotations

import netrc
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from msgspec import Struct

from kapplan import __version__
from kapplan.errors import SyncError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from caldav.davclient import DAVClient

    from kapplan.model.intervals import Interval

#: What a sync answers when the caldav extra is not installed.
MISSING_EXTRA = (
    "needs the caldav extra, which is not installed; install it with: pip install 'kapplan[caldav]'"
)
_DAV = "{DAV:}"
_CALDAV = "{urn:ietf:params:xml:ns:caldav}"
_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter>
  </C:filter>
</C:calendar-query>"""
_MAKE = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>{name}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"""
_FREE_BUSY = """<?xml version="1.0" encoding="utf-8"?>
<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
  <C:time-range start="{start}" end="{end}"/>
</C:free-busy-query>"""
_IN_RANGE = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR">
      <C:comp-filter name="VEVENT"><C:time-range start="{start}" end="{end}"/></C:comp-filter>
    </C:comp-filter>
  </C:filter>
</C:calendar-query>"""
#: Methods that change something on the server.
WRITES = frozenset({"PUT", "DELETE", "MKCALENDAR", "PROPPATCH", "POST"})


def busy_reader(
    environ: Mapping[str, str], timeout: float, target: str | None = None
) -> Callable[[str, datetime, datetime, ZoneInfo], list[Interval]]:
    """Return what reads a therapist's ``busy = { caldav = "URL" }`` for a sync.

    Parameters:
        environ: The environment, for each server's login (`login_for`).
        timeout: Seconds to wait for each answer.
        target: The calendar the sync writes to: read by an event search that
            leaves kapplan's own events out, should the busy time come from it.
    """

    def read(url: str, start: datetime, end: datetime, zone: ZoneInfo) -> list[Interval]:
        where = collection_url(url)
        calendar = RemoteCalendar(where, login_for(where, environ), timeout)
        return calendar.busy(start, end, zone, free_busy=where != target)

    return read


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class Login(Struct, frozen=True):
    """A user name and password for a server, and where they came from (never shown)."""

    user: str
    password: str = ""
    source: str = "environment"
    """``environment``, ``.netrc`` or ``keyring``: said in a 401 line."""

    def __repr__(self) -> str:
        return f"Login(user={self.user!r}, source={self.source!r})"


def shown(url: str) -> str:
    """Return a URL as messages show it: without a user name or password in it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def collection_url(url: str) -> str:
    """Return a calendar's URL as a collection: http(s), ending in a slash.

    Raises:
        SyncError: When it is not an http(s) URL with a host, or carries a password.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(
            f"{shown(url) or 'the URL'} is not a calendar's address; expected an http(s) URL "
            "such as https://cloud.example.org/remote.php/dav/calendars/me/kapplan/",
            field="--to",
        )
    if parts.password is not None:
        raise SyncError(
            f"{shown(url)}: the URL carries a password; expected it in "
            "KAPPLAN_CALDAV_PASSWORD, a .netrc entry or the keyring, never on the command line",
            field="--to",
        )
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], path, "", ""))


def login_for(url: str, environ: Mapping[str, str]) -> Login | None:
    """Find the user name and password for a server (see the module docstring).

    Parameters:
        url: The calendar's URL.
        environ: The environment (``KAPPLAN_CALDAV_USER``, ``..._PASSWORD``,
            ``NETRC``, ``HOME``).

    Returns:
        The login, or None when nothing names one (the server may need none).

    Raises:
        SyncError: When the .netrc file cannot be read.
    """
    user = environ.get("KAPPLAN_CALDAV_USER") or None
    password = environ.get("KAPPLAN_CALDAV_PASSWORD")
    if user is not None and password is not None:
        return Login(user, password)
    host = urlsplit(url).hostname or ""
    found = _from_netrc(host, environ)
    if found is not None and (user is None or found.user == user):
        return found
    found = _from_keyring(host, user)
    if found is not None:
        return found
    return Login(user, password or "") if user is not None else None


def _from_netrc(host: str, environ: Mapping[str, str]) -> Login | None:
    path = environ.get("NETRC") or (
        os.path.join(environ["HOME"], ".netrc") if environ.get("HOME") else None
    )
    if path is None or not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except netrc.NetrcParseError as error:
        raise SyncError(
            f"cannot read it: {error.msg}; expected lines like "
            "'machine HOST login USER password PASSWORD'",
            source=path,
            line=error.lineno,
        ) from None
    except OSError as error:
        raise SyncError(f"cannot read it: {error.strerror or error}", source=path) from None
    if entry is None or not entry[0]:
        return None
    return Login(entry[0], entry[2] or "", ".netrc")


def _from_keyring(host: str, user: str | None) -> Login | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        found = keyring.get_credential(f"kapplan:{host}", user)
    except (KeyringError, RuntimeError, OSError):
        return None  # no usable keyring on this machine
    if found is None or not found.username:
        return None
    return Login(found.username, found.password or "", "keyring")


class RemoteCalendar(Struct, dict=True):
    """One calendar collection on a CalDAV server.

    Parameters:
        url: The collection's URL (`collection_url`).
        login: The user name and password, if any.
        timeout: Seconds to wait for each answer.
    """

    url: str
    login: Login | None = None
    timeout: float = 30.0
    writes: int = 0
    """How many writing requests were sent (PUT, DELETE, MKCALENDAR)."""

    def __post_init__(self) -> None:
        try:
            from caldav.davclient import DAVClient
        except ImportError:
            raise SyncError(f"kapplan sync {MISSING_EXTRA}") from None
        login = self.login
        self._client: DAVClient = DAVClient(
            url=self.url,
            username=login.user if login else None,
            password=login.password if login else None,
            auth_type="basic" if login else None,
            timeout=self.timeout,  # type: ignore[arg-type]  # niquests takes a float
            headers={"User-Agent": f"kapplan/{__version__}"},
        )

    def read(self) -> list[tuple[str, str | None, str]] | None:
        """Return every event resource as ``(href, etag, text)``; None when the calendar
        does not exist."""
        response = self._request("REPORT", self.url, _QUERY, {"Depth": "1"}, "read")
        if response.status == 404:
            return None
        self._check(response.status, "read", self.url)
        return self._events(response.raw)

    def busy(
        self, start: datetime, end: datetime, zone: ZoneInfo, *, free_busy: bool = True
    ) -> list[Interval]:
        """Return the calendar's busy time within ``[start, end)``, in UTC.

        A free-busy query (RFC 4791 §7.10) first: the server answers with busy periods
        only. Where it lacks one (iCloud), or for the calendar kapplan syncs into
        (`free_busy` False: its own sessions must not block themselves), an event search
        in the window, kapplan's own events left out. Either answer is read as a busy
        calendar file is (`kapplan.formats.busy.read_busy_calendar`).
        """
        from kapplan.formats.busy import read_busy_calendar
        from kapplan.formats.objects import is_kapplans

        window = {"start": _stamp(start), "end": _stamp(end)}
        source = shown(self.url)
        if free_busy:
            answer = self._free_busy(window)
            if answer is not None:
                return read_busy_calendar(answer, source, start=start, end=end, default_zone=zone)
        body = _IN_RANGE.format(**window)
        response = self._request("REPORT", self.url, body, {"Depth": "1"}, "read busy time")
        if response.status == 404 and not free_busy:
            return []  # the calendar the sync is about to create: nothing in it yet
        self._check(response.status, "read busy time of", self.url)
        texts = [text for _, _, text in self._events(response.raw) if not is_kapplans(text)]
        if not texts:
            return []
        return read_busy_calendar(
            "\r\n".join(texts), source, start=start, end=end, default_zone=zone
        )

    def _free_busy(self, window: Mapping[str, str]) -> str | None:
        """Return the answer of a free-busy query, or None where the server has none."""
        body = _FREE_BUSY.format(**window)
        try:
            response = self._request("REPORT", self.url, body, {"Depth": "1"}, "read busy time")
        except SyncError as problem:
            if "403" in problem.message:
                return None  # some servers forbid the report but allow a search
            raise
        if response.status in (400, 403, 405, 415, 422, 501):
            return None
        self._check(response.status, "read busy time of", self.url)
        text = response.raw if isinstance(response.raw, str) else ""
        return text if "BEGIN:VFREEBUSY" in text.upper() else None

    def create(self, name: str) -> None:
        """Create the calendar collection (MKCALENDAR), named `name`."""
        text = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        response = self._request("MKCALENDAR", self.url, _MAKE.format(name=text), {}, "create")
        if response.status in (403, 405, 409, 501):
            raise SyncError(
                f"there is no calendar at {shown(self.url)} and the server does not let "
                f"kapplan create one ({response.status}); create it in your calendar app, "
                "or give the URL of one that exists"
            )
        self._check(response.status, "create", self.url)

    def href(self, uid: str) -> str:
        """Return the address a new event is written to: its UID, made safe."""
        safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in uid)
        return urljoin(self.url, f"{safe}.ics")

    def put(self, href: str, text: str, etag: str | None) -> None:
        """Write an event: a new one only where none is (``If-None-Match: *``), a
        changed one only if unchanged since read (``If-Match``)."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        headers.update({"If-Match": etag} if etag else {"If-None-Match": "*"})
        response = self._request("PUT", href, text, headers, "write")
        self._check(response.status, "write", href)

    def delete(self, href: str, etag: str | None) -> None:
        """Delete an event, only if unchanged since read; one already gone is fine."""
        response = self._request("DELETE", href, "", {"If-Match": etag} if etag else {}, "delete")
        if response.status != 404:
            self._check(response.status, "delete", href)

    # -- transport ------------------------------------------------------------------

    def _request(
        self, method: str, url: str, body: str, headers: Mapping[str, str], doing: str
    ) -> Any:
        from caldav.lib import error as dav

        if method in WRITES:
            self.writes += 1
        try:
            return self._client.request(url, method, body, dict(headers))
        except dav.AuthorizationError as problem:
            status = getattr(problem, "status", None) or "401"
            raise self._refused(str(status)) from None
        except dav.DAVError as problem:
            # A 429, or a 503 with Retry-After: the server asks to come back later.
            raise SyncError(
                f"{shown(self.url)} is busy and asked to try later "
                f"({type(problem).__name__}); run kapplan sync again in a while"
            ) from None
        except OSError as problem:
            raise self._unreachable(problem, doing) from None

    def _refused(self, status: str) -> SyncError:
        if "403" in status:
            return SyncError(
                f"{shown(self.url)} refused this account (403 Forbidden); expected a "
                "calendar this user may write"
            )
        said = f" (from {self.login.source})" if self.login else ""
        return SyncError(
            f"{shown(self.url)} refused the user name and password{said} (401 Unauthorized); "
            "set KAPPLAN_CALDAV_USER and KAPPLAN_CALDAV_PASSWORD, a .netrc entry or the "
            "keyring (an app-specific password for iCloud)"
        )

    def _unreachable(self, problem: OSError, doing: str) -> SyncError:
        names = {c.__name__ for c in type(problem).__mro__}
        host = shown(self.url)
        if names & {"Timeout", "ReadTimeout", "ConnectTimeout", "TimeoutError"}:
            return SyncError(
                f"{host} did not answer within {self.timeout:g} s while trying to {doing}; "
                "try again later, or give more time with --timeout"
            )
        if doing == "read":
            return SyncError(
                f"cannot reach {host}: the connection failed; check the URL and that the "
                "server is up"
            )
        return SyncError(
            f"{host}: the connection broke while trying to {doing}; some changes may be "
            "written: run kapplan sync again, it finishes what is left"
        )

    def _check(self, status: int, doing: str, url: str) -> None:
        if 200 <= status < 300:
            return
        where = shown(url)
        if status == 412:
            raise SyncError(
                f"{where} changed on the server while kapplan was syncing (412 Precondition "
                "Failed: someone edited it); run kapplan sync again to sync over the edit"
            )
        if status in (401, 403):
            raise self._refused(str(status))
        if status == 404:
            raise SyncError(
                f"{where} was not found (404); expected the URL of a calendar (collection), "
                "as your calendar app or server shows it"
            )
        if status >= 500:
            raise SyncError(
                f"{shown(self.url)} failed to {doing} ({status} server error); try again "
                "later: what was written stays, and a new run finishes the rest"
            )
        raise SyncError(f"{where}: the server refused to {doing} it ({status})")

    def _events(self, raw: str) -> list[tuple[str, str | None, str]]:
        """Read a calendar-query answer: each response's href, ETag and calendar data."""
        try:
            root = ET.fromstring(raw.encode("utf-8") if isinstance(raw, str) else raw)
        except ET.ParseError:
            raise SyncError(
                f"{shown(self.url)} answered with something that is not a WebDAV "
                "multistatus; expected a CalDAV calendar's URL"
            ) from None
        found = []
        for response in root.iter(f"{_DAV}response"):
            href = response.findtext(f"{_DAV}href") or ""
            data = etag = None
            for propstat in response.iter(f"{_DAV}propstat"):
                if " 200 " not in f"{propstat.findtext(f'{_DAV}status') or ''} ":
                    continue
                data = propstat.findtext(f"{_DAV}prop/{_CALDAV}calendar-data") or data
                etag = propstat.findtext(f"{_DAV}prop/{_DAV}getetag") or etag
            if data:
                found.append((urljoin(self.url, href), etag, data))
        return found
