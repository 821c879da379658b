"""The iCalendar content-line codec (RFC 5545 §3.1, §3.3.11): every kapplan .ics reader and writer.

Reading turns text into a tree of components whose properties keep the
physical line they begin on, so a reader can name the line of any problem:
`unfold` joins folded lines, `parse_line` splits one content line into name,
parameters and value, and `parse_components` nests BEGIN/END blocks.
`parse_calendars` does all three. Problems are a `ContentLineError` carrying
the message and the line; each reader raises its own `KapplanError` subclass
from it, naming its file. Values are not interpreted here.

Writing: `escape_text` escapes a TEXT value, `fold` ends one content line with
CRLF and folds it at 75 octets, and `fold_lines` does that for many lines at
once; `unescape_text` reverses `escape_text` for the values kapplan reads back.

Pure: no third-party imports, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from msgspec import Struct, field

CRLF = "\r\n"
#: A content line is folded so that no physical line is longer than this (§3.1).
MAX_OCTETS = 75


class ContentLineError(ValueError):
    """Text that is not iCalendar content lines, with the line the problem is on.

    Parameters:
        message: What is wrong and what was expected, one line.
        line: 1-based physical line, or None when the problem is the whole text.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Property(Struct, frozen=True):
    """One content line: ``NAME;PARAM=VALUE,VALUE:value`` (names upper-case, quotes removed)."""

    name: str
    params: dict[str, tuple[str, ...]]
    value: str
    line: int
    """The physical line the content line begins on."""
    text: str
    """The whole unfolded content line, as written."""

    def param(self, name: str) -> str | None:
        """Return the first value of a parameter (upper-case name), or None when absent."""
        values = self.params.get(name)
        return values[0] if values else None


class Component(Struct):
    """A BEGIN … END block with its properties and nested blocks, in file order."""

    name: str
    line: int
    """The line of its BEGIN."""
    properties: list[Property] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def first(self, name: str) -> Property | None:
        """Return the first property of this name (upper-case), if any."""
        return next((p for p in self.properties if p.name == name), None)

    def every(self, name: str) -> list[Property]:
        """Return every property of this name (upper-case), in file order."""
        return [p for p in self.properties if p.name == name]


# -- reading ------------------------------------------------------------------

_LINE_END = re.compile(r"\r\n|\n|\r")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM_VALUE = re.compile(r'"[^"]*"|[^";:,]*')


def unfold(text: str) -> Iterator[tuple[int, str]]:
    """Yield logical content lines with the physical line each begins on (§3.1).

    A line starting with a space or a tab continues the one before it. CRLF,
    LF and CR all end a line; blank lines are skipped.

    Parameters:
        text: The iCalendar text (without a byte order mark).

    Returns:
        An iterator of ``(line number, content line)``, numbers 1-based.

    Raises:
        ContentLineError: When a folded line continues nothing (it follows the
            start of the text or a blank line).
    """
    current: list[str] = []
    begun = 0
    for number, line in enumerate(_LINE_END.split(text), start=1):
        if line[:1] in (" ", "\t"):
            if not current:
                raise ContentLineError(
                    "a folded line continues nothing; expected a property before it", number
                )
            current.append(line[1:])
            continue
        if current:
            yield begun, "".join(current)
        current, begun = ([line], number) if line.strip() else ([], 0)
    if current:
        yield begun, "".join(current)


def parse_line(text: str, number: int) -> Property:
    """Split a content line into name, parameters and value (§3.1).

    Parameter values may be quoted (quotes are removed) and may be comma
    lists; the value is everything after the first colon outside quotes.

    Parameters:
        text: One unfolded content line.
        number: The physical line it begins on.

    Returns:
        The property, its name and parameter names upper-case.

    Raises:
        ContentLineError: When the line is not ``NAME[;PARAM=VALUE]:value``.
    """
    match = _NAME.match(text)
    if not match:
        raise ContentLineError(f"cannot read {_shorten(text)!r}; expected NAME:VALUE", number)
    name, at = match.group().upper(), match.end()
    params: dict[str, tuple[str, ...]] = {}
    while at < len(text) and text[at] == ";":
        key = _NAME.match(text, at + 1)
        if not key or text[key.end() : key.end() + 1] != "=":
            raise ContentLineError(
                f"cannot read the parameters of {name}; expected NAME;PARAM=VALUE:value", number
            )
        values: list[str] = []
        at = key.end()
        while True:
            value = _PARAM_VALUE.match(text, at + 1)
            values.append(value.group().strip('"') if value else "")
            at = value.end() if value else at + 1
            if text[at : at + 1] != ",":
                break
        params[key.group().upper()] = tuple(values)
    if text[at : at + 1] != ":":
        raise ContentLineError(f"cannot read {_shorten(text)!r}; expected NAME:VALUE", number)
    return Property(name, params, text[at + 1 :], number, text)


def split_plain(text: str) -> tuple[str, str] | None:
    """Return a content line without parameters (``NAME:value``) as its name, upper-case,
    and its value, as `parse_line` reads it, without making a `Property`; None for any
    other line (one with parameters, or none that `parse_line` reads)."""
    name, colon, value = text.partition(":")
    if colon and _NAME.fullmatch(name):
        return name.upper(), value
    return None


def parse_components(lines: Iterable[tuple[int, str]]) -> list[Component]:
    """Nest logical lines into the VCALENDAR objects of an iCalendar stream (§3.4, §3.6).

    Parameters:
        lines: ``(line number, content line)`` pairs, as `unfold` yields them.

    Returns:
        The VCALENDAR components, in file order (a stream may hold several).

    Raises:
        ContentLineError: When a line cannot be read, a block is not closed or
            closed by the wrong END, something stands outside a VCALENDAR, or
            there is no VCALENDAR at all.
    """
    calendars: list[Component] = []
    stack: list[Component] = []
    last = 0
    for number, text in lines:
        last = number
        prop = parse_line(text, number)
        if prop.name == "BEGIN":
            block = Component(prop.value.strip().upper(), number)
            if stack:
                stack[-1].children.append(block)
            elif block.name == "VCALENDAR":
                calendars.append(block)
            else:
                raise ContentLineError(
                    f"BEGIN:{block.name} outside a calendar; expected BEGIN:VCALENDAR first",
                    number,
                )
            stack.append(block)
        elif prop.name == "END":
            name = prop.value.strip().upper()
            if not stack:
                raise ContentLineError(
                    f"END:{name} without its BEGIN; expected BEGIN:VCALENDAR first", number
                )
            if stack[-1].name != name:
                raise ContentLineError(
                    f"END:{name} closes BEGIN:{stack[-1].name} of line {stack[-1].line}; "
                    f"expected END:{stack[-1].name}",
                    number,
                )
            stack.pop()
        elif stack:
            stack[-1].properties.append(prop)
        else:
            raise ContentLineError(
                f"{prop.name} outside a calendar; expected BEGIN:VCALENDAR first", number
            )
    if stack:
        raise ContentLineError(
            f"the file ends inside BEGIN:{stack[-1].name} of line {stack[-1].line}; "
            f"expected END:{stack[-1].name} (is the file cut short?)",
            last,
        )
    if not calendars:
        raise ContentLineError(
            "holds no calendar; expected an iCalendar (.ics) file with BEGIN:VCALENDAR"
        )
    return calendars


def parse_calendars(text: str) -> list[Component]:
    """Read iCalendar text into its VCALENDAR components: `unfold`, then `parse_components`.

    Parameters:
        text: The iCalendar text (without a byte order mark).

    Returns:
        The VCALENDAR components, in file order.

    Raises:
        ContentLineError: As `unfold` and `parse_components` do.
    """
    return parse_components(unfold(text))


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


# -- writing ------------------------------------------------------------------

# §3.3.11: escape the four TEXT specials; CONTROL characters are not allowed
# in TEXT, and the ones str.splitlines() breaks on could split a line. C1 controls
# (UTF-8 text to the RFC) are dropped too: a terminal showing the file would obey them.
_TEXT_TABLE: dict[int, str | None] = dict.fromkeys(
    (*range(0x00, 0x09), *range(0x0E, 0x1C), 0x1F, *range(0x80, 0x85), *range(0x86, 0xA0))
)
_TEXT_TABLE.update(dict.fromkeys((0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85), "\\n"))
_TEXT_TABLE.update({0x7F: None, 0x2028: "\\n", 0x2029: "\\n"})
_TEXT_TABLE.update({ord("\\"): "\\\\", ord(";"): "\\;", ord(","): "\\,"})
#: Characters `_TEXT_TABLE` changes other than backslash, semicolon, comma and newline.
_RARE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in sorted(_TEXT_TABLE) if chr(c) not in "\\;,\n") + "]"
)
_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"n": "\n", "N": "\n"}


def escape_text(text: str) -> str:
    """Escape a TEXT value (§3.3.11).

    Backslash, semicolon and comma get a backslash; CR, CRLF and the other
    characters a parser may take for a line break become ``\\n``; other
    control characters, which TEXT does not allow, are dropped, and so are
    the C1 controls (U+0080 to U+009F) a terminal showing the file would obey.

    Parameters:
        text: Any text.

    Returns:
        The value to write after the colon.
    """
    if _RARE.search(text) is None:
        # The usual text: four replacements in C beat a per-character table.
        return (
            text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )
    return text.replace("\r\n", "\n").translate(_TEXT_TABLE)


def unescape_text(text: str) -> str:
    """Undo `escape_text` (§3.3.11): ``\\n`` and ``\\N`` are newlines, ``\\x`` is ``x``.

    Parameters:
        text: A TEXT value as written.

    Returns:
        The text it stands for.
    """
    return _UNESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1), m.group(1)), text)


def fold(line: str) -> str:
    """End a content line with CRLF, folding it at 75 octets if longer (§3.1).

    A fold goes before the octet that would pass the limit, moved back to the
    start of its UTF-8 character, so no character is split.

    Parameters:
        line: One content line, without a line end.

    Returns:
        The physical lines, each ending in CRLF, continuations starting with a space.
    """
    if len(line) <= MAX_OCTETS and line.isascii():
        return line + CRLF
    data = line.encode()
    if len(data) <= MAX_OCTETS:
        return line + CRLF
    pieces: list[bytes] = []
    start, limit = 0, MAX_OCTETS
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte
            cut -= 1
        pieces.append(data[start:cut])
        start, limit = cut, MAX_OCTETS - 1  # the leading space counts
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode() + CRLF


def fold_lines(lines: Iterable[str]) -> str:
    """Fold each content line as `fold` does and join them.

    Parameters:
        lines: Content lines, without line ends.

    Returns:
        The text, every line ending in CRLF.
    """
    # Most lines are short ASCII: test them here rather than call `fold` for each.
    return "".join(
        [
            line + CRLF if len(line) <= MAX_OCTETS and line.isascii() else fold(line)
            for line in lines
        ]
    )


__all__ = [
    "CRLF",
    "MAX_OCTETS",
    "Component",
    "ContentLineError",
    "Property",
    "escape_text",
    "fold",
    "fold_lines",
    "parse_calendars",
    "parse_components",
    "parse_line",
    "split_plain",
    "unescape_text",
    "unfold",
]
