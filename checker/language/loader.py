"""Read YAML text safely into plain values that remember where they were written.

PyYAML's own composer recurses once per nesting level (libyaml's crashes the
process on very deep input) and expands nothing but shares aliased objects,
which a tree walk would then expand. So this module builds values itself from
libyaml's event stream: one loop, an explicit stack, a depth limit, and a
running count of how many nodes the document would expand to through aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import yaml

from .. import rules
from ..findings import Location as Location  # re-exported: every loaded value carries one
from ..findings import Rule
from ..records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any

_EventSource: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 128
MAX_EXPANDED_NODES = 100_000

_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:merge",
}
_MAP_TAG = "tag:yaml.org,2002:map"
# `- ReLU` (a bare layer name), and a `key:` line, for the hint on modifiers under a bare name.
# Patterns, not compiled here: re compiles them on first use, which a check without the hint never makes.
_BARE_ITEM = r"(?P<indent>\s*)- +[A-Za-z_][\w.]*\s*(?:#.*)?"
_KEY_LINE = r"(?P<indent>\s*)[A-Za-z_][\w.-]*\s*:(?:\s.*)?"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Plain scalars seen before, by (text, implicit), with their value: specs repeat the same
# names and numbers, and resolving and constructing each is most of the time spent loading.
# Every value in it is immutable (str, int, float, bool, None, datetime), so sharing is safe.
_KNOWN_SCALARS: dict[tuple[str, Any], Any] = {}
_MAX_KNOWN_SCALARS = 50_000


class Span(NamedTuple):
    """Where a scalar's text starts and ends, as character offsets."""

    start: int
    end: int
    style: str | None


class YamlMapping(dict["Any", "Any"]):  # text: the class is made at run time, without typing
    """A mapping from the file that also knows where each key and value stands."""

    # No instance dict: a loaded file makes one of these per mapping, and counting reads their places.
    __slots__ = ("key_locations", "location", "value_locations", "value_spans")

    def __init__(self, location: Location):
        super().__init__()
        self.location = location
        self.key_locations: dict[Any, Location] = {}
        self.value_locations: dict[Any, Location] = {}
        self.value_spans: dict[Any, Span] = {}

    def location_of(self, key: Any) -> Location:
        return self.value_locations.get(key, self.location)

    def replaced(self, values: dict[Any, Any]) -> YamlMapping:
        """A copy with some values changed (each keeps the location of the one it replaces)."""
        copy = YamlMapping(self.location)
        copy.update(self)
        copy.update(values)
        copy.key_locations = dict(self.key_locations)
        copy.value_locations = dict(self.value_locations)
        copy.value_spans = {key: span for key, span in self.value_spans.items() if key not in values}
        return copy


class YamlSequence(list["Any"]):
    """A sequence from the file that also knows where each item stands."""

    __slots__ = ("item_locations", "location")

    def __init__(self, location: Location):
        super().__init__()
        self.location = location
        self.item_locations: list[Location] = []

    def location_of(self, index: int) -> Location:
        return self.item_locations[index]


def located_mapping(
    values: Mapping[Any, Any], where: Location, places: Mapping[Any, Location] | None = None
) -> YamlMapping:
    """A mapping made in code rather than read, standing at `where`; each key and its value stand where
    `places` says, else at `where` too."""
    mapping = YamlMapping(where)
    mapping.update(values)
    if places is None:
        mapping.key_locations = dict.fromkeys(values, where)
    else:
        mapping.key_locations = {key: places.get(key, where) for key in values}
    mapping.value_locations = dict(mapping.key_locations)
    return mapping


_PLAIN_CONTAINERS = (dict, list)  # what `located` makes loaded values of; scalars stay as they are, uncalled


def located(value: Any, where: Location) -> Any:
    """Plain values (dicts, lists, scalars) as loaded ones standing at `where`; loaded ones keep their places."""
    kind = type(value)  # exactly dict or list: a loaded value, a subclass, keeps its places
    if kind is dict:
        items = value.items()
        return located_mapping(
            {key: located(item, where) if type(item) in _PLAIN_CONTAINERS else item for key, item in items}, where
        )
    if kind is list:
        sequence = YamlSequence(where)
        sequence.extend([located(item, where) if type(item) in _PLAIN_CONTAINERS else item for item in value])
        sequence.item_locations = [where] * len(sequence)
        return sequence
    return value


class Document(NamedTuple):
    value: Any
    location: Location
    number: int  # 1-based position in the file
    end: int  # the offset where the document ends: the next `---`, `...` or the end of the text


class LoadError(Exception):
    """The text is not YAML that a spec can be read from."""

    def __init__(self, rule: Rule, message: str, location: Location):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.location = location


def location_in(container: Any, key: Any, default: Location) -> Location:
    """Where `container[key]` was written, if the container knows."""
    if isinstance(container, (YamlMapping, YamlSequence)):
        try:
            return container.location_of(key)
        except (IndexError, KeyError):
            return container.location
    return default


def load_documents(text: str) -> Iterator[Document]:
    """Yield each document of `text`; raise LoadError at the first problem."""
    events = _EventSource(text)
    try:
        number = 0
        while events.check_event():
            event = events.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                number += 1
                value, end = _Builder(events).build_document()
                yield Document(value, Location.of(event.start_mark), number, end)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = error.problem or error.context or "cannot parse"
        if error.context and error.context_mark is not None:
            start = Location.of(error.context_mark)
            message += f" ({error.context} that starts at {start.line}:{start.column})"
        if mark is not None and _under_a_bare_item(text, mark.line):
            message += "; to give a bare layer name modifiers, end it with a colon (`- ReLU:`)"
        rule = rules.TOO_DEEP if "maximum nesting depth" in message else rules.YAML_SYNTAX
        raise LoadError(rule, f"invalid YAML: {message}", Location.of(mark)) from None
    except yaml.YAMLError as error:
        raise LoadError(rules.YAML_SYNTAX, f"invalid YAML: {error}", Location(1, 1)) from None
    finally:
        events.dispose()


def _under_a_bare_item(text: str, line: int) -> bool:
    """Whether line `line` (from 0) is a `key:` indented under a sequence item that is a bare name (`- ReLU`)."""
    lines = text.splitlines()
    if not 0 < line < len(lines):
        return False
    above, here = re.fullmatch(_BARE_ITEM, lines[line - 1]), re.fullmatch(_KEY_LINE, lines[line])
    return bool(above and here and len(here.group("indent")) > len(above.group("indent")))


class _Frame:
    """A mapping or sequence still being read, with what it already holds."""

    def __init__(self, container: Any, anchor: str | None):
        self.container = container
        self.anchor = anchor
        self.size = 1  # nodes this container expands to, itself included
        self.pending_key: Any = None
        self.pending_key_location: Location = container.location
        self.have_key = False
        self.merges: list[YamlMapping] = []


class _Builder:
    """Turns the events of one document into YamlMapping/YamlSequence/scalars."""

    def __init__(self, events: Any):
        self.events = events
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.total_size = 0
        self.aliased = False

    def build_document(self) -> tuple[Any, int]:
        stack: list[_Frame] = []
        result: Any = None
        get_event = self.events.get_event
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                mark = event.start_mark
                location = Location(mark.line + 1, mark.column + 1)
                value = self._scalar(event, location)
                size = 1
                span: Span | None = Span(mark.index, event.end_mark.index, event.style)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, size)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                location = Location.of(event.start_mark)
                self._check_tag(event.tag, _MAP_TAG if kind is yaml.MappingStartEvent else _SEQ_TAG, location)
                if len(stack) >= MAX_DEPTH:
                    raise LoadError(rules.TOO_DEEP, f"nesting is deeper than {MAX_DEPTH} levels", location)
                container = YamlMapping(location) if kind is yaml.MappingStartEvent else YamlSequence(location)
                stack.append(_Frame(container, event.anchor))
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = stack.pop()
                _apply_merges(frame)
                value, size, span = frame.container, frame.size, None
                location = frame.container.location
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (value, size)
            elif kind is yaml.AliasEvent:
                location = Location.of(event.start_mark)
                if event.anchor not in self.anchors:
                    raise LoadError(rules.YAML_SYNTAX, f"invalid YAML: unknown alias *{event.anchor}", location)
                value, size = self.anchors[event.anchor]
                span = None
                self.aliased = True
            else:  # DocumentEndEvent: nothing else comes inside a document
                return result, event.start_mark.index
            self.total_size += size
            if self.total_size > MAX_EXPANDED_NODES:
                message = (
                    f"aliases expand this document to more than {MAX_EXPANDED_NODES:,} nodes; refusing to expand it"
                    if self.aliased
                    else f"this document has more than {MAX_EXPANDED_NODES:,} nodes, more than any spec needs"
                )
                raise LoadError(rules.TOO_MANY_NODES, message, location)
            if not stack:
                result = value
                continue
            _add_to(stack[-1], value, size, location, span)

    def _check_tag(self, tag: str | None, default: str, location: Location) -> None:
        if tag not in (None, "!", default):
            _refuse_tag(tag, location)

    def _scalar(self, event: Any, location: Location) -> Any:
        tag = event.tag
        if tag is None:
            known = (event.value, event.implicit)
            if known in _KNOWN_SCALARS:
                return _KNOWN_SCALARS[known]
        elif tag == "!":
            tag = None
        if tag is None:
            tag = self.events.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag not in _SAFE_SCALAR_TAGS:
            _refuse_tag(tag, location)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        if tag == _MERGE_TAG:
            return node
        try:
            value = self.events.yaml_constructors[tag](self.events, node)
        except (ValueError, yaml.YAMLError) as error:
            shown = event.value if len(event.value) <= 40 else event.value[:37] + "..."
            reason = "the number is too long" if "digits" in str(error) else str(error)
            raise LoadError(rules.YAML_SYNTAX, f"invalid YAML value {shown!r}: {reason}", location) from None
        if event.tag is None:
            if len(_KNOWN_SCALARS) >= _MAX_KNOWN_SCALARS:
                _KNOWN_SCALARS.clear()
            _KNOWN_SCALARS[event.value, event.implicit] = value
        return value


def _refuse_tag(tag: str, location: Location) -> None:
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    raise LoadError(rules.UNSAFE_TAG, f"unsupported YAML tag {shown}: a spec holds plain data only", location)


def _add_to(frame: _Frame, value: Any, size: int, location: Location, span: Span | None) -> None:
    frame.size += size
    container = frame.container
    if isinstance(container, YamlSequence):
        container.append(value)
        container.item_locations.append(location)
        return
    if not frame.have_key:
        if isinstance(value, (YamlMapping, YamlSequence)) or not _hashable(value):
            raise LoadError(rules.YAML_SYNTAX, "invalid YAML: a mapping key must be a plain scalar", location)
        frame.pending_key, frame.pending_key_location, frame.have_key = value, location, True
        return
    key, frame.have_key = frame.pending_key, False
    if isinstance(key, yaml.ScalarNode):  # the merge key `<<`
        frame.merges.extend(_merge_sources(value, location))
        return
    if key in container:
        first = container.key_locations[key]
        raise LoadError(
            rules.DUPLICATE_KEY,
            f"duplicate key {key!r} (first written at line {first.line})",
            frame.pending_key_location,
        )
    container[key] = value
    container.key_locations[key] = frame.pending_key_location
    container.value_locations[key] = location
    if span is not None:
        container.value_spans[key] = span


def _merge_sources(value: Any, location: Location) -> list[YamlMapping]:
    sources = value if isinstance(value, YamlSequence) else [value]
    if not all(isinstance(source, YamlMapping) for source in sources):
        raise LoadError(rules.YAML_SYNTAX, "invalid YAML: `<<` merges mappings only", location)
    return list(sources)


def _apply_merges(frame: _Frame) -> None:
    """Keys written in the mapping itself win over merged ones, as YAML says."""
    for source in frame.merges:
        for key, value in source.items():
            if key not in frame.container:
                frame.container[key] = value
                frame.container.key_locations[key] = source.key_locations[key]
                frame.container.value_locations[key] = source.value_locations[key]


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
