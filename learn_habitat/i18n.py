"""Which language a request is served in."""

from __future__ import annotations

from flask import request

from learn_habitat.content import SUPPORTED_LANGUAGES, text_direction

LANGUAGE_COOKIE = "lang"
DEFAULT_LANGUAGE = "en"


def select_locale() -> str:
    """The signed-in learner's preference, else the switcher's cookie, else the browser's, else English."""
    from flask_login import current_user

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

    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(flask_babel.format_date, "format_date")
    app.add_template_filter(flask_babel.format_datetime, "format_datetime")
    app.add_template_filter(flask_babel.format_number, "format_number")
    app.add_template_filter(flask_babel.format_percent, "format_percent")
    app.add_template_filter(language_name, "language_name")
    app.add_template_global(text_direction, "text_direction")


def format_duration(minutes: int) -> str:
    """An estimated duration such as "45 min" or "2 h 30 min", in the page language."""
    from flask_babel import gettext as _

    hours, rest = divmod(int(minutes), 60)
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
