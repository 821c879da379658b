"""The CalDAV test harness itself: real servers, the plain-HTTP reader, the fault proxy.

These prove what the sync tests lean on (tests/caldav_servers.py): that each server
starts, makes calendars, keeps what is PUT and hands it back to a reader that does not
use the caldav library; that a calendar app's edit can be played against it; that the
proxy passes through faithfully, injects each fault a plain client can see, and counts
writes; and that a server stopped and started again still has its data.
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.caldav_servers import (
    CALDAV,
    DAV,
    PASSWORD,
    USER,
    WRITE_METHODS,
    DavError,
    FaultProxy,
    Server,
    create_calendar,
    dav_request,
    delete_event,
    edit_event,
    free_busy,
    put_event,
    read_calendar,
    read_objects,
)

#: The harness is proved with the slow tests (`-m slow`, CI's second step): the default run
#: leans on it through the sync tests (tests/test_sync.py), which fail when it does.
pytestmark = pytest.mark.slow

BERLIN = ZoneInfo("Europe/Berlin")

#: What a plain client raises when the connection fails: refused (urllib wraps it in
#: URLError), or reset with no answer (ConnectionResetError, RemoteDisconnected).
BROKEN = (ConnectionError, urllib.error.URLError)

OWN_EVENT = """\
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20260302T100000
DTEND;TZID=Europe/Berlin:20260302T110000
SUMMARY:Dentist
END:VEVENT
"""

PROPFIND_KIND = (
    f'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="{DAV}">'
    "<D:prop><D:displayname/><D:resourcetype/></D:prop></D:propfind>"
)


def own_event(uid: str = "dentist@phone") -> str:
    """Return a VEVENT of the person's own: 2 March 2026, 10:00-11:00 in Berlin."""
    return OWN_EVENT.format(uid=uid)


def a_calendar_with_one_event(url: str, uid: str = "dentist@phone") -> str:
    """Make the calendar at url with one event of the person's own in it; return its URL."""
    create_calendar(url)
    put_event(url, own_event(uid))
    return url


class TestServers:
    """Each server starts, makes calendars, and keeps what is put into it."""

    def test_a_put_event_is_read_back_by_the_plain_reader(
        self, caldav_server: Server, fresh_calendar_url: str
    ) -> None:
        """A VEVENT PUT over HTTP comes back from read_calendar with its times and zone."""
        a_calendar_with_one_event(fresh_calendar_url)
        events = read_calendar(fresh_calendar_url)
        assert list(events) == ["dentist@phone"]
        event = events["dentist@phone"]
        assert event.start == datetime(2026, 3, 2, 10, tzinfo=BERLIN)
        assert event.end == datetime(2026, 3, 2, 11, tzinfo=BERLIN)
        assert event.summary == "Dentist"
        (stored,) = read_objects(fresh_calendar_url)
        assert stored.url.startswith(fresh_calendar_url)
        assert stored.etag.startswith('"')

    def test_mkcalendar_makes_a_calendar_where_there_was_none(
        self, caldav_server: Server, fresh_calendar_url: str
    ) -> None:
        """The fresh URL names nothing yet; MKCALENDAR (plain HTTP) makes a calendar there,
        with its display name; a second MKCALENDAR is refused and leaves it as it was.

        Radicale answers a PROPFIND on the missing URL 404; Xandikos answers 207 with a
        404 inside. A second MKCALENDAR is 409 on Radicale, 403 on Xandikos.
        """
        before = dav_request("PROPFIND", fresh_calendar_url, PROPFIND_KIND, headers={"Depth": "0"})
        assert before.status == 404 or (before.status == 207 and "404 Not Found" in before.text)
        create_calendar(fresh_calendar_url, display_name="Integration & care")
        after = dav_request("PROPFIND", fresh_calendar_url, PROPFIND_KIND, headers={"Depth": "0"})
        assert after.status == 207
        found = ET.fromstring(after.body)
        assert found.find(f".//{{{DAV}}}resourcetype/{{{CALDAV}}}calendar") is not None
        assert found.findtext(f".//{{{DAV}}}displayname") == "Integration & care"
        with pytest.raises(DavError) as again:
            create_calendar(fresh_calendar_url)
        assert again.value.status in (403, 405, 409)
        assert read_calendar(fresh_calendar_url) == {}

    def test_each_test_gets_its_own_calendar(
        self, caldav_server: Server, fresh_calendar_url: str
    ) -> None:
        """fresh_calendar_url lies in the server's calendar home and is new each time."""
        assert fresh_calendar_url.startswith(caldav_server.home_url)
        assert "test-each-test-gets-its-own-calendar-" in fresh_calendar_url
        assert caldav_server.new_calendar_url("x") != caldav_server.new_calendar_url("x")

    def test_principal_and_home_are_where_the_docstring_says(self, caldav_server: Server) -> None:
        """With user kapplan, DAV:current-user-principal and the calendar home are the
        Server's principal_url and home_url (what caldav's discovery will find)."""
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="{DAV}" '
            f'xmlns:C="{CALDAV}"><D:prop><D:current-user-principal/><C:calendar-home-set/>'
            "</D:prop></D:propfind>"
        )
        root = dav_request("PROPFIND", caldav_server.base_url, body, headers={"Depth": "0"})
        assert root.status == 207
        principal_path = caldav_server.principal_url.removeprefix(caldav_server.base_url[:-1])
        assert f">{principal_path}<" in root.text
        home = dav_request("PROPFIND", caldav_server.principal_url, body, headers={"Depth": "0"})
        home_path = caldav_server.home_url.removeprefix(caldav_server.base_url[:-1])
        assert f">{home_path}<" in home.text
        if caldav_server.default_calendar_url is not None:
            assert read_calendar(caldav_server.default_calendar_url) is not None

    def test_the_caldav_library_discovers_and_makes_calendars(
        self, caldav_server: Server, fresh_calendar_url: str
    ) -> None:
        """What kapplan's sync will use works here: the caldav library finds the principal
        with user kapplan, makes a calendar, and the plain reader sees what it saved."""
        caldav = pytest.importorskip("caldav")
        with caldav.DAVClient(
            url=caldav_server.base_url, username=USER, password=PASSWORD, timeout=10
        ) as client:
            principal = client.principal()
            assert str(principal.url) == caldav_server.principal_url
            name = fresh_calendar_url.rstrip("/").rsplit("/", 1)[1]
            calendar = principal.make_calendar(name="Made by caldav", cal_id=name)
            assert str(calendar.url) == fresh_calendar_url
            calendar.save_event(own_event("via-caldav"))
        assert list(read_calendar(fresh_calendar_url)) == ["via-caldav"]

    def test_free_busy_query_is_answered(
        self, caldav_server: Server, fresh_calendar_url: str
    ) -> None:
        """Both servers answer a CALDAV:free-busy-query REPORT with the event's period."""
        a_calendar_with_one_event(fresh_calendar_url)
        busy = free_busy(
            fresh_calendar_url, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        )
        assert busy == [(datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 10, tzinfo=UTC))]

    def test_stop_and_start_keep_port_and_data(
        self, caldav_server: Server, fresh_calendar_url: str
    ) -> None:
        """A stopped server refuses connections; started again on the same port and
        storage, it still has the calendar and its event. A crash (SIGKILL) too."""
        a_calendar_with_one_event(fresh_calendar_url)
        first = caldav_server.pid
        caldav_server.stop()
        assert not caldav_server.running
        assert caldav_server.pid is None
        with pytest.raises(BROKEN):
            dav_request("OPTIONS", caldav_server.base_url, timeout=2)
        caldav_server.start()
        assert caldav_server.pid not in (None, first)
        assert list(read_calendar(fresh_calendar_url)) == ["dentist@phone"]
        caldav_server.stop(graceful=False)
        caldav_server.start()
        assert list(read_calendar(fresh_calendar_url)) == ["dentist@phone"]


class TestCalendarApp:
    """The helpers that play a person's calendar app against the server."""

    def test_edit_event_moves_it_as_a_drag_does(
        self, caldav_server: Server, fresh_calendar_url: str
    ) -> None:
        """edit_event sets the new times, bumps SEQUENCE, stamps LAST-MODIFIED, and
        changes the ETag; a PUT with the old ETag is then refused with 412."""
        a_calendar_with_one_event(fresh_calendar_url)
        (before,) = read_objects(fresh_calendar_url)
        moved = edit_event(
            fresh_calendar_url,
            "dentist@phone",
            datetime(2026, 3, 3, 15, tzinfo=BERLIN),
            datetime(2026, 3, 3, 16, 30, tzinfo=BERLIN),
        )
        assert moved.sequence == 1
        event = read_calendar(fresh_calendar_url)["dentist@phone"]
        assert event.start == datetime(2026, 3, 3, 15, tzinfo=BERLIN)
        assert event.end == datetime(2026, 3, 3, 16, 30, tzinfo=BERLIN)
        assert event.sequence == 1
        assert event.last_modified is not None
        assert datetime.now(UTC) - event.last_modified < timedelta(minutes=1)
        assert event.stamp == event.last_modified
        assert event.summary == "Dentist"
        (after,) = read_objects(fresh_calendar_url)
        assert after.etag != before.etag
        stale = dav_request(
            "PUT",
            before.url,
            before.text,
            headers={"If-Match": before.etag, "Content-Type": "text/calendar"},
        )
        assert stale.status == 412
        edit_event(
            fresh_calendar_url,
            "dentist@phone",
            datetime(2026, 3, 4, 8, tzinfo=UTC),
            datetime(2026, 3, 4, 9, tzinfo=UTC),
        )
        assert read_calendar(fresh_calendar_url)["dentist@phone"].sequence == 2

    def test_put_event_does_not_overwrite_and_delete_event_deletes(
        self, caldav_server: Server, fresh_calendar_url: str
    ) -> None:
        """put_event refuses to replace an existing object (If-None-Match: *), and
        delete_event removes the event by UID."""
        a_calendar_with_one_event(fresh_calendar_url)
        put_event(fresh_calendar_url, own_event("gym@phone"))
        with pytest.raises(DavError) as again:
            put_event(fresh_calendar_url, own_event("gym@phone"))
        assert again.value.status == 412
        delete_event(fresh_calendar_url, "dentist@phone")
        assert list(read_calendar(fresh_calendar_url)) == ["gym@phone"]

    def test_read_calendar_refuses_a_missing_calendar(self, fresh_calendar_url: str) -> None:
        """Reading a calendar that does not exist is an error, not an empty calendar."""
        with pytest.raises(DavError):
            read_calendar(fresh_calendar_url)


@pytest.fixture(name="calendar")
def fixture_calendar(fresh_calendar_url: str) -> str:
    """A fresh calendar with one event of the person's own."""
    return a_calendar_with_one_event(fresh_calendar_url)


class TestFaultProxy:
    """The proxy forwards faithfully, injects each fault, and counts what it saw."""

    def test_passes_through_and_counts(self, fault_proxy: FaultProxy, calendar: str) -> None:
        """Reads, a PUT, a MKCALENDAR and a DELETE through the proxy reach the server as
        sent; counts and writes record them by method (delete_event finds the object
        with a REPORT first)."""
        through = fault_proxy.url(calendar)
        assert through.startswith(fault_proxy.base_url)
        assert read_calendar(through).keys() == read_calendar(calendar).keys()
        assert fault_proxy.writes == 0
        assert fault_proxy.counts == {"REPORT": 1}
        put_event(through, own_event("gym@phone"))
        delete_event(through, "dentist@phone")
        create_calendar(through.rstrip("/") + "-second/")
        assert list(read_calendar(calendar)) == ["gym@phone"]
        assert fault_proxy.writes == 3
        assert fault_proxy.counts == {"REPORT": 2, "PUT": 1, "DELETE": 1, "MKCALENDAR": 1}
        assert {seen.status for seen in fault_proxy.log} <= {200, 201, 204, 207}
        fault_proxy.reset_counts()
        read_calendar(through)
        assert fault_proxy.writes == 0
        assert {"PUT", "DELETE", "MKCALENDAR", "PROPPATCH", "POST"} <= WRITE_METHODS

    def test_the_caldav_library_works_through_it(
        self, fault_proxy: FaultProxy, fresh_calendar_url: str
    ) -> None:
        """The caldav library (kapplan sync's client) finds the principal, makes a calendar
        and saves an event through the proxy; the proxy counts its writes (caldav's
        make_calendar(name=...) is a MKCALENDAR and a PROPPATCH for the name)."""
        caldav = pytest.importorskip("caldav")
        through = fault_proxy.url(fresh_calendar_url)
        with caldav.DAVClient(
            url=fault_proxy.base_url, username=USER, password=PASSWORD, timeout=10
        ) as client:
            principal = client.principal()
            assert str(principal.url).startswith(fault_proxy.base_url)
            name = through.rstrip("/").rsplit("/", 1)[1]
            calendar = principal.make_calendar(name="Through the proxy", cal_id=name)
            calendar.save_event(own_event("via-proxy"))
            assert str(calendar.url) == through
        assert list(read_calendar(fresh_calendar_url)) == ["via-proxy"]
        assert fault_proxy.writes == 3
        assert {"MKCALENDAR": 1, "PROPPATCH": 1, "PUT": 1}.items() <= fault_proxy.counts.items()

    def test_head_and_get_keep_their_headers(self, fault_proxy: FaultProxy, calendar: str) -> None:
        """GET and HEAD through the proxy answer as the server does: same ETag and body."""
        (item,) = read_objects(calendar)
        direct = dav_request("GET", item.url)
        via = dav_request("GET", fault_proxy.url(item.url))
        assert (via.status, via.body, via.header("etag")) == (200, direct.body, item.etag)
        head = dav_request("HEAD", fault_proxy.url(item.url))
        assert (head.status, head.body, head.header("etag")) == (200, b"", item.etag)

    @pytest.mark.parametrize("status", [401, 403, 404, 500, 503])
    def test_fail_answers_the_status(
        self, fault_proxy: FaultProxy, calendar: str, status: int
    ) -> None:
        """fail(status) answers every request with it (401 with a Basic challenge),
        and forwards nothing; pass_through() ends it."""
        fault_proxy.fail(status)
        answer = dav_request("PROPFIND", fault_proxy.url(calendar), headers={"Depth": "0"})
        assert answer.status == status
        if status == 401:
            assert (answer.header("www-authenticate") or "").startswith("Basic ")
        with pytest.raises(DavError) as failed:
            put_event(fault_proxy.url(calendar), own_event("gym@phone"))
        assert failed.value.status == status
        assert list(read_calendar(calendar)) == ["dentist@phone"]
        fault_proxy.pass_through()
        assert dav_request("PROPFIND", fault_proxy.url(calendar)).status == 207

    @pytest.mark.parametrize(
        ("status", "methods"), [(412, {"PUT", "DELETE"}), (503, WRITE_METHODS)]
    )
    def test_fail_on_writes_only(
        self, fault_proxy: FaultProxy, calendar: str, status: int, methods: frozenset[str]
    ) -> None:
        """fail(status, methods) fails those methods and passes the rest: reads work,
        a PUT and a DELETE get the status and change nothing."""
        fault_proxy.fail(status, methods)
        through = fault_proxy.url(calendar)
        assert list(read_calendar(through)) == ["dentist@phone"]
        with pytest.raises(DavError) as put:
            put_event(through, own_event("gym@phone"))
        with pytest.raises(DavError) as delete:
            delete_event(through, "dentist@phone")
        assert put.value.status == delete.value.status == status
        assert list(read_calendar(calendar)) == ["dentist@phone"]
        assert fault_proxy.writes == 2

    def test_fail_a_number_of_times(self, fault_proxy: FaultProxy, calendar: str) -> None:
        """fail(503, times=2): the next two requests fail, then they pass again."""
        fault_proxy.fail(503, times=2)
        statuses = [dav_request("GET", fault_proxy.url(calendar)).status for _ in range(3)]
        assert statuses[:2] == [503, 503]
        assert statuses[2] != 503

    def test_delay_makes_a_client_time_out(self, fault_proxy: FaultProxy, calendar: str) -> None:
        """delay(s) holds the answer: a client with a shorter timeout gives up, one with a
        longer timeout gets the answer. A write held before forwarding never lands (when
        the mode changes, a held request is dropped); one with forward_first lands
        though its answer is late."""
        through = fault_proxy.url(calendar)
        fault_proxy.delay(0.3)
        began = datetime.now(UTC)
        assert dav_request("OPTIONS", through, timeout=5).status == 200
        assert datetime.now(UTC) - began >= timedelta(seconds=0.3)
        fault_proxy.delay(5, {"PUT"})
        assert list(read_calendar(through)) == ["dentist@phone"]
        with pytest.raises(TimeoutError):
            put_event(through, own_event("gym@phone"), timeout=0.3)
        fault_proxy.delay(5, {"PUT"}, forward_first=True)
        with pytest.raises(TimeoutError):
            put_event(through, own_event("swim@phone"), timeout=0.5)
        assert sorted(read_calendar(calendar)) == ["dentist@phone", "swim@phone"]

    def test_drop_after_breaks_a_run_half_way(self, fault_proxy: FaultProxy, calendar: str) -> None:
        """drop_after(n) forwards n requests, then resets the connection of the next
        without an answer; with forward_first the dropped write has landed."""
        through = fault_proxy.url(calendar)
        fault_proxy.drop_after(2)
        assert dav_request("GET", through).status in (200, 404, 405)
        assert list(read_calendar(through)) == ["dentist@phone"]
        with pytest.raises(BROKEN):
            put_event(through, own_event("gym@phone"))
        with pytest.raises(BROKEN):
            dav_request("GET", through)
        assert [seen.status for seen in fault_proxy.log][2:] == [None, None]
        assert list(read_calendar(calendar)) == ["dentist@phone"]
        fault_proxy.drop_after(0, {"PUT"}, forward_first=True)
        with pytest.raises(BROKEN):
            put_event(through, own_event("gym@phone"))
        assert sorted(read_calendar(calendar)) == ["dentist@phone", "gym@phone"]

    def test_refuse_stops_listening(self, fault_proxy: FaultProxy, calendar: str) -> None:
        """refuse() closes the port (connection refused) and a connection a client kept
        alive; pass_through() opens the port again."""
        through = fault_proxy.url(calendar)
        kept = http.client.HTTPConnection("127.0.0.1", fault_proxy.port, timeout=5)

        def options() -> int:
            kept.request("OPTIONS", urllib.parse.urlsplit(through).path)
            with kept.getresponse() as answer:
                answer.read()
                return answer.status

        assert options() == 200
        fault_proxy.refuse()
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            options()
        kept.close()
        with pytest.raises(BROKEN) as refused:
            dav_request("OPTIONS", through, timeout=2)
        assert "refused" in str(refused.value).lower()
        fault_proxy.pass_through()
        assert list(read_calendar(through)) == ["dentist@phone"]

    def test_a_stopped_server_behind_the_proxy_is_502(
        self, fault_proxy: FaultProxy, caldav_server: Server, calendar: str
    ) -> None:
        """With the server down the proxy answers 502, as a gateway does; back up, it passes."""
        caldav_server.stop(graceful=False)
        assert dav_request("OPTIONS", fault_proxy.url(calendar)).status == 502
        caldav_server.start()
        assert list(read_calendar(fault_proxy.url(calendar))) == ["dentist@phone"]

    def test_a_missing_calendars_href_names_the_proxy(
        self, fault_proxy: FaultProxy, fresh_calendar_url: str
    ) -> None:
        """The proxy sends the client's Host on, so an absolute href a server writes (Xandikos
        on a missing collection) points at the proxy, not past it."""
        answer = dav_request(
            "PROPFIND", fault_proxy.url(fresh_calendar_url), PROPFIND_KIND, headers={"Depth": "0"}
        )
        assert fault_proxy.upstream not in answer.text


def test_no_server_process_outlives_its_stop(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A server launched and stopped leaves no process behind (its pid is gone)."""
    pytest.importorskip("radicale")
    from tests.caldav_servers import launch_radicale

    server = launch_radicale(tmp_path_factory.mktemp("lone-radicale"))
    pid = server.pid
    assert pid is not None
    server.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
