"""Dates and times that cannot be misread: month names in every language, 24-hour times with their zone,
ISO 8601 in exports, and the display time zone as a setting."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime

import pytest
from babel import Locale

from learn_habitat import create_app
from learn_habitat.admin.models import AuditEvent
from learn_habitat.content import SUPPORTED_LANGUAGES
from learn_habitat.extensions import db
from learn_habitat.learning.models import Completion
from tests.conftest import PASSWORD, make_user
from tests.learning.test_journey import right_answers, submit

COURSE = "adequate-housing"
EASTERN_ARABIC = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def numeric_forms(day: date) -> re.Pattern:
    """Every numeric-only spelling of ``day`` (7/12/26, 12.07.2026, 2026-12-07, ...) in any order."""
    parts = [
        rf"0?{day.day}",
        rf"0?{day.month}",
        rf"(?:{day.year}|{day.year % 100:02d})",
    ]
    orders = ["[/.\\-]".join(order) for order in itertools.permutations(parts)]
    return re.compile(rf"(?<!\d)(?:{'|'.join(orders)})(?!\d)")


def in_words(day: date, language: str) -> str:
    """CLDR's long date, with the month in words ("7 décembre 2026", "2026年12月7日")."""
    from babel.dates import format_date

    words = format_date(day, "long", locale=Locale.parse(language))
    assert re.search(r"[^\W\d_]", words), words  # letters (or characters such as 年月日), not only digits
    return words


@pytest.fixture
def dated_pages(app, client, shipped_library):
    """A learner who completed the course and an admin whose export is in the audit log; both sign in on
    ``client`` in turn. Returns the completion and audit moments."""
    course = shipped_library.get(COURSE)
    make_user(app)
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    client.post(f"/courses/{COURSE}/enrol")
    for lesson_id in course.lesson_ids:
        if lesson_id in course.quiz_ids():
            submit(client, course, lesson_id, right_answers)
        else:
            client.get(f"/courses/{COURSE}/{lesson_id}")
    make_user(app, "admin@example.org", "Ada Admin", role="admin")
    admin = app.test_client()
    admin.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    admin.get(f"/admin/courses/{COURSE}/learners.csv")  # an audited action
    with app.app_context():
        completed = db.session.scalar(db.select(Completion.completed_at))
        audited = db.session.scalar(db.select(AuditEvent.created_at))
    return client, admin, completed, audited


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_no_page_writes_a_numeric_only_date(dated_pages, language):
    learner, admin, completed, audited = dated_pages
    for client in (learner, admin):
        client.post("/language", data={"language": language, "next": "/"})
    pages = {
        "dashboard": (learner, "/dashboard", completed),
        "certificate": (learner, f"/courses/{COURSE}/certificate", completed),
        "audit": (admin, "/admin/audit", audited),
        "learner list": (admin, f"/admin/courses/{COURSE}/learners", completed),
    }
    for name, (client, path, moment) in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        page = response.get_data(as_text=True)
        assert f'<html lang="{language}"' in page, name
        text = page.translate(EASTERN_ARABIC)
        assert not numeric_forms(moment.date()).search(text), (name, language)
        assert in_words(moment.date(), language) in page, (name, language)
    # The audit log says the time too: 24-hour, with the zone.
    audit = admin.get("/admin/audit").get_data(as_text=True).translate(EASTERN_ARABIC)
    assert re.search(rf"(?<!\d)0?{audited.hour}:{audited.minute:02d} UTC", audit), language
    assert not re.search(r"\b(AM|PM|a\.m\.|p\.m\.)\b", audit)


FIXED = datetime(2026, 12, 7, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("en", "December 7, 2026", "December 7, 2026, 14:05 UTC"),
        ("fr", "7 décembre 2026", "7 décembre 2026, 14:05 UTC"),
        ("es", "7 de diciembre de 2026", "7 de diciembre de 2026, 14:05 UTC"),
        ("ru", "7 декабря 2026\u202fг.", "7 декабря 2026\u202fг., 14:05 UTC"),
        ("ar", "7 ديسمبر 2026", "7 ديسمبر 2026، 14:05 UTC"),
        ("zh", "2026年12月7日", "2026年12月7日 14:05 UTC"),
    ],
)
def test_dates_and_times_in_each_language(app, language, day, moment):
    from flask_babel import force_locale

    from learn_habitat.i18n import format_day, format_moment

    with app.test_request_context(), force_locale(language):
        assert format_day(FIXED) == day
        assert format_moment(FIXED) == moment


def test_the_display_time_zone_is_a_setting(app_config):
    from flask_babel import force_locale

    from learn_habitat.i18n import format_day, format_moment

    app_config["DISPLAY_TIMEZONE"] = "Asia/Tokyo"
    app = create_app(app_config)
    late = datetime(2026, 12, 7, 20, 30, tzinfo=UTC)  # already 8 December in Tokyo
    with app.test_request_context(), force_locale("fr"):
        assert format_moment(late) == "8 décembre 2026, 05:30 UTC+09:00"
        assert format_day(late) == "8 décembre 2026"


def test_an_unknown_display_time_zone_stops_the_start(app_config):
    app_config["DISPLAY_TIMEZONE"] = "Mars/Olympus"
    with pytest.raises(ValueError, match="DISPLAY_TIMEZONE"):
        create_app(app_config)


def test_the_learner_csv_gives_iso_8601_times_in_utc(dated_pages):
    _learner, admin, completed, _audited = dated_pages
    rows = admin.get(f"/admin/courses/{COURSE}/learners.csv").get_data(as_text=True).splitlines()
    header, row = rows[0].split(","), rows[1].split(",")
    value = row[header.index("completed_at")] if "completed_at" in header else row[8]
    assert datetime.fromisoformat(value) == completed and value.endswith("+00:00")
