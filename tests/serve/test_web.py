"""The web app through the test client: forms need the CSRF token, the
engine's errors are shown beside their field, import and export round-trip
through the CLI's YAML log, calendars parse, text is escaped."""

from __future__ import annotations

import re

import pytest


from engine.model.eventlog import parse_log
from engine.runtime.evaluation import evaluate

from serve_support import EXAMPLE


def brief(page):
    """The application page's brief advice: per section, its lines as
    ``(action, mark, text, sources)``, as the page shows them."""
    from html import unescape
    out = {}
    for kind, body in re.findall(r'<ul class="brief (\w+)">(.*?)</ul>', page, re.S):
        out[kind] = [(unescape(a or ""), unescape(m), unescape(t), unescape(s or ""))
                     for a, m, t, s in re.findall(
                         r'<li class="line"(?: data-action="([^"]*)")?><span class="mark"[^>]*>([^<]*)</span> '
                         r'<span class="what">([^<]*)</span>(?: <span class="sources">— ([^<]*)</span>)?</li>',
                         body)]
    return out


def csrf(client, url="/applications/new"):
    page = client.get(url)
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def new_app(client, subject="Acme Corp — Data Analyst", zone="America/New_York"):
    r = client.post("/applications", data={"csrf": csrf(client), "subject": subject, "timezone": zone},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def add(client, app, **fields):
    return client.post(app + "/events", data={"csrf": csrf(client), **fields}, follow_redirects=False)


def test_home_page_without_applications_invites_to_add_one(client):
    r = client.get("/")
    assert r.status_code == 200 and "No applications yet" in r.text
    assert 'name="viewport"' in r.text


def test_forms_without_the_token_or_from_another_site_are_refused(client):
    r = client.post("/applications", data={"subject": "x", "timezone": "UTC"})
    assert r.status_code == 403 and "RULES-E073" in r.text
    token = csrf(client)
    r = client.post("/applications", data={"csrf": token, "subject": "x", "timezone": "UTC"},
                    headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    other = client.cookies.get("rules_csrf")
    client.cookies.set("rules_csrf", "A" * 43)  # a token of another browser
    r = client.post("/applications", data={"csrf": other, "subject": "x", "timezone": "UTC"})
    assert r.status_code == 403


def test_a_new_application_with_a_bad_zone_shows_the_error_beside_the_field(client):
    r = client.post("/applications", data={"csrf": csrf(client), "subject": "Acme", "timezone": "Europe/Pariss"})
    assert r.status_code == 422
    assert re.search(r'id="timezone-error">[^<]*Europe/Paris', r.text)


def _hours_ago(hours, zone="America/New_York"):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    return (datetime.now(ZoneInfo(zone)) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_add_an_interview_see_advice_add_a_thank_you_and_see_it_change(client):
    app = new_app(client)
    r = add(client, app, type="interview", at=_hours_ago(3), interviewers="Jane Roe, Sam Poe",
            format="in_person")
    assert r.status_code == 303
    page = client.get(app).text
    assert "Jane Roe, Sam Poe" in page
    before = brief(page)
    assert any(line[0] == "send_thank_you" for line in before["now"]), before
    # each NOW line names its sources
    assert all(line[3] for line in before["now"]), before
    r = add(client, app, type="thank_you_sent", at=_hours_ago(1), to="Jane Roe, Sam Poe",
            channel="email", personalized="on")
    assert r.status_code == 303
    after = client.get(app).text
    assert after.count('class="event"') == 2
    assert brief(after) != before
    thanks = lambda b: [x for x in b["now"] if x[0] == "send_thank_you"]  # noqa: E731
    assert thanks(brief(after)) != thanks(before)


def test_a_bad_event_is_shown_beside_its_field_and_nothing_is_saved(client):
    app = new_app(client)
    r = add(client, app, type="interview", at="tomorrow-ish", interviewers="Jane")
    assert r.status_code == 422
    assert re.search(r'id="at-error">[^<]*ISO 8601', r.text)
    r = add(client, app, type="interview", at="2026-11-16T10:00")
    assert r.status_code == 422 and re.search(r'id="interviewers-error">', r.text)
    assert 'class="event"' not in client.get(app).text


def test_correct_and_remove_an_event(client):
    app = new_app(client)
    add(client, app, type="interview", at="2026-11-16T10:00", interviewers="Jane")
    edit = re.search(r'href="(/applications/\d+/events/\d+)/edit"', client.get(app).text).group(1)
    form = client.get(edit + "/edit").text
    assert 'value="2026-11-16T10:00"' in form and 'value="Jane"' in form
    r = client.post(edit, data={"csrf": csrf(client), "type": "interview", "at": "2026-11-16T11:00",
                                "interviewers": "Jane, Bob"}, follow_redirects=False)
    assert r.status_code == 303
    assert "2026-11-16 11:00" in client.get(app).text
    r = client.post(edit + "/delete", data={"csrf": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303 and 'class="event"' not in client.get(app).text
    r = client.post(edit + "/delete", data={"csrf": csrf(client)})
    assert r.status_code == 404


def test_export_is_the_log_the_cli_reads_and_import_brings_it_back(client):
    r = client.post("/import", data={"csrf": csrf(client, "/import"), "text": EXAMPLE.read_text("utf-8")},
                    follow_redirects=False)
    assert r.status_code == 303
    app = r.headers["location"]
    exported = client.get(app + "/log.yaml")
    assert exported.headers["content-type"].startswith("application/yaml")
    at = "2026-11-23T09:00"
    original = parse_log(EXAMPLE.read_text("utf-8"), "x")
    again = parse_log(exported.text, "x")
    from engine.input.times import parse_moment
    from engine.model.policies import load_policies
    policies = load_policies()
    a = evaluate(policies, original, parse_moment(at, original.tz))
    b = evaluate(policies, again, parse_moment(at, again.tz))
    # the same advice and disagreements (traces differ only in the lines they cite)
    assert a.fired() == b.fired() and a.subject == b.subject and a.situation == b.situation
    assert [c.to_dict() for c in a.conflicts] == [c.to_dict() for c in b.conflicts]
    files = {"file": ("log.yaml", exported.content, "application/yaml")}
    r = client.post("/import", data={"csrf": csrf(client, "/import")}, files=files, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] != app


def test_importing_a_bad_log_shows_where(client):
    r = client.post("/import", data={"csrf": csrf(client, "/import"),
                                     "text": "events:\n  - {type: intervew, at: 2026-11-16T10:00}\n"})
    assert r.status_code == 422 and "&lt;import&gt;:2:" in r.text and "interview" in r.text


def test_calendars_per_application_and_for_all(client):
    from datetime import datetime, timedelta, timezone

    from icalendar import Calendar
    # An interview yesterday: the calendar holds advice that starts later
    # (what applies already, and standing advice, are not calendar events).
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    for subject in ("Acme", "Globex"):
        app = new_app(client, subject, "UTC")
        add(client, app, type="interview", at=yesterday, interviewers="Jane")
    one = Calendar.from_ical(client.get(app + "/calendar.ics").content)
    every = Calendar.from_ical(client.get("/calendar.ics").content)
    assert 0 < len(one.walk("VEVENT")) < len(every.walk("VEVENT"))


def test_script_in_a_subject_or_note_is_shown_as_text(client):
    app = new_app(client, "<script>alert(1)</script> Evil", "UTC")
    add(client, app, type="interview", at="2026-11-16T10:00", interviewers="<b>Bob</b>",
        note="<script>alert(2)</script>")
    for page in (client.get("/").text, client.get(app).text):
        assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in client.get(app).text


def test_unknown_pages_are_html_errors_not_tracebacks(client):
    r = client.get("/applications/999")
    assert r.status_code == 404 and "no such application" in r.text and "Traceback" not in r.text
    r = client.get("/applications/1/events/new?type=nope")
    assert r.status_code in (400, 404)


def test_sign_in_with_the_token(tmp_path):
    from serve_support import make_client
    token = "s3cret-token-for-tests-only"
    with make_client(tmp_path, token=token) as c:
        page = c.get("/login").text
        token_field = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        r = c.post("/login", data={"csrf": token_field, "token": "wrong"})
        assert r.status_code == 401
        r = c.post("/login", data={"csrf": token_field, "token": token}, follow_redirects=False)
        assert r.status_code == 303
        assert c.get("/").status_code == 200  # the session cookie stands for the token


def test_home_shows_the_most_urgent_todos_first_and_at_most_ten(client):
    from datetime import datetime, timedelta, timezone
    soon = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for subject in ("Acme", "Globex", "Initech"):
        app = new_app(client, subject, "UTC")
        add(client, app, type="interview", at=soon, interviewers="Jane")
    page = client.get("/").text
    assert page.count('class="todo"') == 10 and "more: see each application below" in page
    assert "Next change:" in page


def test_todos_are_the_now_lines_closing_soonest_first_then_each_applications_order():
    from datetime import datetime, timezone

    from engine.render.first_screen import FirstScreen, Line
    from engine.serve.store import Application
    from engine.serve.views import AppView, todos
    at = lambda day: datetime(2026, 11, day, tzinfo=timezone.utc)  # noqa: E731

    def screen(*now):
        return FirstScreen("t", "as of", tuple(now), (Line("✗", "wait", "s", "w", at(17)),), (), (), (), ())
    acme, globex = Application(1, "Acme", "UTC", (), ""), Application(2, "Globex", "UTC", (), "")
    views = [AppView(acme, screen=screen(Line("✓", "a", "s", "a"), Line("✓", "c", "s", "c", at(20)))),
             AppView(globex, screen=screen(Line("✓", "b", "s", "b"), Line("✓", "d", "s", "d", at(18)))),
             AppView(Application(3, "Broken", "UTC", (), ""))]  # a log with an error has no lines
    assert [t.line.action for t in todos(views)] == ["d", "c", "a", "b"]
    assert [t.app.subject for t in todos(views)] == ["Globex", "Acme", "Acme", "Globex"]


@pytest.mark.parametrize("events, at", [
    (1, "2026-11-16T14:00"),    # hours after the interview: thank-yous due, check-ins wait
    (None, "2026-11-23T09:00"),  # the employer's date has passed
])
def test_the_pages_brief_advice_is_rules_explains_first_screen(client, monkeypatch, events, at):
    """The page shows the very lines of ``rules explain``'s first screen for
    the same log and moment, so the CLI and the web app cannot disagree."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import yaml

    from engine.model.policies import load_policies
    from engine.render.first_screen import FIRST_SCREEN_DAYS, first_screen
    from engine.runtime.plan import build_plan
    from engine.serve import web

    data = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    data["events"] = data["events"][:events]
    text = yaml.safe_dump(data, allow_unicode=True)
    moment = datetime.fromisoformat(at).replace(tzinfo=ZoneInfo(data["timezone"]))
    monkeypatch.setattr(web, "_now", lambda: moment.astimezone(ZoneInfo("UTC")))
    r = client.post("/import", data={"csrf": csrf(client, "/import"), "text": text}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text

    policies = load_policies()
    log = parse_log(text, "log.yaml", policies.vocabulary)
    fs = first_screen(evaluate(policies, log, moment),
                      build_plan(policies, log, moment, FIRST_SCREEN_DAYS))
    shown = brief(page)
    expect = lambda lines: [(x.action, x.mark, x.text, x.sources) for x in lines]  # noqa: E731
    assert fs.now and shown["now"] == expect(fs.now)
    assert shown.get("wait", []) == expect(fs.wait)
    assert shown.get("next", []) == expect(fs.next)
    assert shown.get("always", []) == expect(fs.always_do + fs.always_avoid)
    assert shown.get("disagreements", []) == expect(fs.disagreements)
    assert '<h3 id="now-h">Now</h3>' in page

    # the home page's to-dos are those NOW lines
    home = client.get("/").text
    todo = [unescape_text(t) for t in re.findall(r'<span class="what"><span class="mark"[^>]*>[^<]*</span> ([^<]*)</span>', home)]
    assert todo == [line.text for line in fs.now][:10]


def unescape_text(text):
    from html import unescape
    return unescape(text)
