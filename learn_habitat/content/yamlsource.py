"""YAML that remembers where each value came from, so problems can name a line."""

from __future__ import annotations

import difflib

import yaml

from learn_habitat.content.errors import Problem


class LineDict(dict):
    """A mapping from YAML with ``line`` (of the mapping) and ``key_lines`` (of each key)."""

    line: int = 1
    key_lines: dict


class LineList(list):
    """A sequence from YAML with ``line`` and ``item_lines``."""

    line: int = 1
    item_lines: list


# libyaml's parser (shipped in PyYAML's wheels) is about ten times faster than the pure-Python one, which
# stays as the fallback where PyYAML was built without it. Both give the same events, nodes and marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    """A safe loader whose mappings and sequences carry 1-based line numbers."""


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader, node):
    sequence = LineList(loader.construct_object(child, deep=True) for child in node.value)
    sequence.line = node.start_mark.line + 1
    sequence.item_lines = [child.start_mark.line + 1 for child in node.value]
    return sequence


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlSyntaxError(ValueError):
    """YAML that cannot be parsed, with the 1-based line of the fault."""

    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


# Collections inside one another. PyYAML builds nested collections by recursion, so the limit is checked
# first on the parser's flat stream of events, which does not recurse, whatever PyYAML's version.
MAX_YAML_DEPTH = 64


def _check_depth(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise yaml.MarkedYAMLError(
                    problem=f"nested too deeply (more than {MAX_YAML_DEPTH} levels)",
                    problem_mark=event.start_mark,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse_yaml(text: str, first_line: int = 1):
    """Parse YAML text whose first line is ``first_line`` of its file."""
    try:
        _check_depth(text)
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + first_line - 1
        problem = exc.problem or exc.context or "cannot be parsed"
        if "maximum nesting depth" in problem:  # libyaml's own limit, met while it reads ahead of our check
            problem = f"nested too deeply (more than {MAX_YAML_DEPTH} levels)"
        raise YamlSyntaxError(line, f"invalid YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        # Reader errors (control characters, bad encodings) carry a position, not a mark, and their text
        # runs over two lines; a problem is one line (found by tests/fuzz/test_course_properties.py).
        position = getattr(exc, "position", None)
        line = first_line + (text.count("\n", 0, position) if isinstance(position, int) else 0)
        raise YamlSyntaxError(
            line, f"invalid YAML: {(str(exc).splitlines() or ['cannot be parsed'])[0]}"
        ) from exc
    except RecursionError:
        # A last resort: _check_depth stops deep collections before PyYAML's recursive construction.
        raise YamlSyntaxError(first_line, "invalid YAML: nested too deeply") from None
    if first_line != 1:
        _shift_lines(data, first_line - 1)
    return data


def _shift_lines(value, offset):
    # Each collection once, without recursion: YAML aliases share one collection between many places (a
    # few lines can reference millions of items), and it must be shifted once, not once per reference.
    pending, seen = [value], set()
    while pending:
        item = pending.pop()
        if not isinstance(item, LineDict | LineList) or id(item) in seen:
            continue
        seen.add(id(item))
        item.line += offset
        if isinstance(item, LineDict):
            item.key_lines = {k: n + offset for k, n in item.key_lines.items()}
            pending.extend(item.values())
        else:
            item.item_lines = [n + offset for n in item.item_lines]
            pending.extend(item)


def key_line(mapping, key, default: int = 1) -> int:
    """The line of ``key`` in a mapping parsed by :func:`parse_yaml`."""
    lines = getattr(mapping, "key_lines", None) or {}
    return lines.get(key, getattr(mapping, "line", default))


def item_line(sequence, index: int, default: int = 1) -> int:
    """The line of item ``index`` in a sequence parsed by :func:`parse_yaml`."""
    lines = getattr(sequence, "item_lines", None) or []
    return lines[index] if index < len(lines) else getattr(sequence, "line", default)


def unknown_key_problems(path: str, mapping, allowed, where: str) -> list[Problem]:
    """A problem for every key not in ``allowed``, with a did-you-mean when one is close."""
    problems = []
    for key in mapping:
        if key in allowed:
            continue
        message = f"unknown key {key!r} in {where}"
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
        else:
            message += f" (allowed: {', '.join(sorted(allowed))})"
        problems.append(Problem(path, key_line(mapping, key), message))
    return problems


def split_front_matter(text: str):
    """Split a lesson into (front matter text, body text, line where the body starts).

    The front matter is ``None`` when the file does not open with a ``---`` line.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    raise YamlSyntaxError(1, "the front matter opened by '---' on line 1 is never closed by a '---' line")
