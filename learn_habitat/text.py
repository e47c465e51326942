"""Marking text for translation where it is defined, far from where it is shown."""


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark ``message`` for the catalogue without translating it now (it is translated where shown)."""
    return message
