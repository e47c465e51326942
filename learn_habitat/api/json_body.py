"""What the JSON API accepts as a request body, checked before any view (or rate-limit key) reads it.

- The body is ``application/json`` (a ``charset`` parameter may only say UTF-8). HTML forms can only send
  ``application/x-www-form-urlencoded``, ``multipart/form-data`` and ``text/plain`` without asking the API
  first (CORS), so another site cannot post to the API with a simple form.
- It is strict UTF-8 JSON (RFC 8259): no BOM, no ``NaN``/``Infinity``, at most ``MAX_DEPTH`` levels deep.
- Every value can be stored by SQLite and PostgreSQL alike: no text with NUL characters or unpaired
  surrogates (PostgreSQL refuses the first, both drivers the second), no integer beyond 64 bits.

Pure: no Flask here; the blueprint turns ``BodyError`` into its JSON error answer.
"""

from __future__ import annotations

import json

JSON_MEDIA_TYPE = "application/json"
UTF8_CHARSETS = frozenset({"utf-8", "utf8"})
MAX_DEPTH = 32
MAX_REPORTED = 20  # offending values named in one answer
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class BodyError(ValueError):
    """A body the API refuses: HTTP status, stable error code, message, and per-field reasons."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def is_json_media_type(mimetype: str, options: dict[str, str]) -> bool:
    """Whether a parsed ``Content-Type`` is JSON in UTF-8 (media types and charsets ignore case)."""
    charset = options.get("charset")
    return mimetype.lower() == JSON_MEDIA_TYPE and (charset is None or charset.lower() in UTF8_CHARSETS)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse(raw: bytes) -> object:
    """The JSON document in ``raw``, or ``BodyError`` (400): malformed, too deep, or not storable."""
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: nesting deeper than the interpreter allows (ValueError covers the rest,
        # including integers of more digits than Python converts).
        raise BodyError(400, "invalid_json", "The request body is not valid UTF-8 JSON.") from None
    check_storable(document)
    return document


def check_storable(document: object) -> None:
    """Raise ``BodyError`` when the document nests deeper than ``MAX_DEPTH`` or holds a value that a
    database refuses; ``fields`` then names each offending value by its path (``answers.q1``)."""
    problems: dict[str, str] = {}
    stack: list[tuple[object, str, int]] = [(document, "", 0)]
    while stack:  # iterative: the depth is limited below, never by Python's stack
        value, path, depth = stack.pop()
        if len(problems) >= MAX_REPORTED:
            break
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise BodyError(
                    400, "invalid_json", f"The request body is nested more than {MAX_DEPTH} levels deep."
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and (reason := _text_problem(key)):
                    problems[_printable(child)] = f"This name {reason}."
                stack.append((item, child, depth + 1))
        elif isinstance(value, str):
            if reason := _text_problem(value):
                problems[_printable(path) or "body"] = f"This text {reason}."
        elif isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            problems[_printable(path) or "body"] = "This number is beyond the 64-bit integer range."
    if problems:
        raise BodyError(
            400,
            "unstorable_value",
            "Some values cannot be stored: see 'fields'.",
            dict(sorted(problems.items())),
        )


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains an unpaired surrogate (not a Unicode character)"
    return None


def _printable(path: str) -> str:
    """A field path that is itself safe to send back as JSON text and to log (and not too long)."""
    text = path.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 200 else text[:199] + "…"
