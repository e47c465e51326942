"""Which language a request is served in."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request

from learn_habitat.content import SUPPORTED_LANGUAGES, text_direction

LANGUAGE_COOKIE = "lang"
DEFAULT_LANGUAGE = "en"


def select_locale() -> str:
    """The signed-in learner's preference, else the switcher's cookie, else the browser's, else English.
    Outside a request (the command line), English."""
    from flask_login import current_user

    if not has_request_context():
        return DEFAULT_LANGUAGE

    preferred = getattr(current_user, "language", None)
    if preferred in SUPPORTED_LANGUAGES:
        return preferred
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    return request.accept_languages.best_match(SUPPORTED_LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language of the current request, as the locale selector chose it."""
    from flask_babel import get_locale

    return str(get_locale() or DEFAULT_LANGUAGE)


def init_app(app) -> None:
    """Give templates the page language and its direction."""

    @app.context_processor
    def language_context():
        language = current_language()
        return {
            "page_language": language,
            "page_direction": text_direction(language),
            "supported_languages": SUPPORTED_LANGUAGES,
        }

    import flask_babel

    _install_template_gettext(app)
    app.add_template_filter(format_duration, "duration")
    # Dates always name the month and times are 24-hour with their zone, in every language: see format_day.
    app.add_template_filter(format_day, "format_date")
    app.add_template_filter(format_moment, "format_datetime")
    app.add_template_filter(flask_babel.format_number, "format_number")
    app.add_template_filter(flask_babel.format_percent, "format_percent")
    app.add_template_filter(language_name, "language_name")
    app.add_template_global(text_direction, "text_direction")


def _install_template_gettext(app) -> None:
    """Templates look their catalogue up by the language they render in (``page_language``).

    Flask-Babel finds the request's catalogue anew for every string (several context lookups, about 7 µs),
    and a page translates dozens. A catalogue never changes while the process runs, so each language's is
    kept once Flask-Babel has found it for a request in that language; a template without
    ``page_language`` (or in a language not yet seen) asks Flask-Babel as before.
    """
    import flask_babel
    from jinja2 import pass_context

    catalogues = {}

    def catalogue(context):
        language = context.get("page_language")
        found = catalogues.get(language)
        if found is None:
            found = flask_babel.get_translations()
            if language is not None and language == current_language():
                catalogues[language] = found
        return found

    @pass_context
    def gettext(context, string):
        return catalogue(context).ugettext(string)

    @pass_context
    def ngettext(context, singular, plural, number):
        return catalogue(context).ungettext(singular, plural, number)

    @pass_context
    def pgettext(context, message_context, string):
        return catalogue(context).upgettext(message_context, string)

    @pass_context
    def npgettext(context, message_context, singular, plural, number):
        return catalogue(context).unpgettext(message_context, singular, plural, number)

    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )


def format_duration(minutes: int) -> str:
    """An estimated duration such as "45 min" or "2 h 30 min", in the page language."""
    return _duration_text(current_language(), int(minutes))


@functools.lru_cache(maxsize=4096)
def _duration_text(language: str, minutes: int) -> str:
    # Kept per language: a course outline shows dozens of durations, each a few catalogue look-ups.
    from flask_babel import force_locale
    from flask_babel import gettext as _

    hours, rest = divmod(minutes, 60)
    with force_locale(language):
        if not hours:
            return _("%(minutes)d min", minutes=rest)
        if not rest:
            return _("%(hours)d h", hours=hours)
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=rest)


def language_name(code: str) -> str:
    """A language's own name for itself (``français``, ``العربية``), for switchers and lists."""
    from babel import Locale

    name = Locale.parse(code).get_display_name(code)
    return name[:1].upper() + name[1:]


def display_zone() -> ZoneInfo:
    """The time zone dates and times are shown in (the DISPLAY_TIMEZONE setting, "UTC" by default)."""
    return ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE") or "UTC")


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:  # the database gives aware values; a naive one is UTC by convention
        value = value.replace(tzinfo=UTC)
    return value.astimezone(display_zone())


def format_day(value: date | datetime | None) -> str:
    """A date that cannot be misread in any language: CLDR's "long" form, with the month's name and Latin
    digits ("December 7, 2026", "7 décembre 2026", "7 ديسمبر 2026", "2026年12月7日"), never "12/7/26".
    A moment is first moved to the display time zone, so the day is the one the reader's clock showed."""
    from babel.dates import format_date

    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return format_date(value, "long", locale=current_language())


def zone_label(value: datetime) -> str:
    """The display zone as a reader anywhere understands it: "UTC", or the offset, "UTC+01:00"."""
    offset = value.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_moment(value: datetime | None) -> str:
    """A date and a 24-hour time with its zone, in the page language: "December 7, 2026, 14:05 UTC",
    "7 décembre 2026, 14:05 UTC", "2026年12月7日 14:05 UTC" (for audit entries and anything with a time)."""
    from babel import Locale
    from babel.dates import format_skeleton

    if value is None:
        return ""
    local = _local(value)
    locale = Locale.parse(current_language())
    day = format_day(local)
    time = format_skeleton("Hm", local, tzinfo=local.tzinfo, locale=locale)  # "H": 24-hour in every locale
    # The locale's own way of joining a date and a time ("{1}, {0}", "{1}، {0}", "{1} {0}").
    glue = str(locale.datetime_formats["medium"]).replace("'", "")
    return glue.replace("{1}", day).replace("{0}", f"{time} {zone_label(local)}")
