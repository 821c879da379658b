"""Characters that text from outside can hide behind: controls shown, look-alikes folded.

Text that came from a file, a file name or the environment reaches a person
through `visible`, at the one place each output is written: the Rich consoles
of the terminal views (`kapplan.views.console`), every error and problem line
(`kapplan.errors.one_line`, and the line `kapplan.cli.stops` prints), the
validate report, the change list and the HTML handout. A control character
there could clear the screen, retitle the window, plant a hyperlink or reorder
the line; `visible` writes it out instead, as a Python escape without its
quotes: ``\\x1b`` (four characters) for ESC, ``\\x09`` for a tab, ``\\u202e`` for
RIGHT-TO-LEFT OVERRIDE. JSON keeps every
value exact: `json_text` writes the same characters as JSON escapes.

`skeleton` folds what looks alike (compatibility forms, invisible format
characters, Cyrillic and Greek letters shaped like Latin ones), so the discreet
guard cannot be passed with ``Kеtаminе`` and two clients cannot be told apart
only by an invisible or a foreign letter.

Imports only the standard library: the error line uses it at start-up.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that reorder a line: the Arabic letter mark, the left-to-right and
#: right-to-left marks, the embeddings, overrides and isolates (Unicode UAX #9).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: What `visible` shows: C0 controls, DEL, C1 controls, the line and paragraph
#: separators (some terminals break the line there), and `BIDI_CONTROLS`.
HIDDEN = "\x00-\x1f\x7f-\x9f\u2028\u2029" + BIDI_CONTROLS

#: Cyrillic and Greek letters drawn like a Latin letter (Unicode's confusables.txt,
#: the letters of a common font that are the same glyph), keeping case.
LOOKALIKES = str.maketrans(
    {
        **dict(
            zip(
                "АВЕЗКМНОРСТУХІЈЅԁԛԜԝһіјѕаесорухкӏү",
                "ABE3KMHOPCTYXIJSdqWwhijsaecopyxkly",
                strict=True,
            )
        ),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαιονρ", "ABEZHIKMNOPTYXaiovp", strict=True)),
    }
)


_HIDDEN = re.compile(f"[{HIDDEN}]")


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def hides(text: str) -> bool:
    """Tell whether `visible` would write out a character of a text (its printed width
    then differs from its laid-out width).

    Parameters:
        text: Any text.

    Returns:
        True when it holds a character of `HIDDEN`.
    """
    return _HIDDEN.search(text) is not None


def visible(text: str, *, keep: str = "") -> str:
    """Return text with every control and bidirectional character written out.

    Parameters:
        text: Text that came from outside (a file, a file name, the environment).
        keep: Characters the layout takes as they are (newline, tab, CR).

    Returns:
        The text, each character of `HIDDEN` (except those kept) written as
        ``\\xNN`` (below U+0100) or ``\\uNNNN``; all else as it was. Applied
        twice it changes nothing more.
    """
    return _HIDDEN.sub(
        lambda found: found.group() if found.group() in keep else _escape(ord(found.group())), text
    )


_JSON_HIDDEN = re.compile(f"[\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]")


def json_text(document: str) -> str:
    """Return a JSON document with the controls `json.dumps` leaves raw escaped.

    `json.dumps` escapes C0 controls; DEL, C1 controls, the line separators
    and the bidirectional controls it writes as they are. They can only be
    inside strings, where ``\\uNNNN`` means the same character: the data stays
    exact, and the stream is safe to print.

    Parameters:
        document: What `json.dumps` wrote.

    Returns:
        The same document.
    """
    return _JSON_HIDDEN.sub(lambda found: f"\\u{ord(found.group()):04x}", document)


def skeleton(text: str) -> str:
    """Return the text two look-alike texts share.

    NFKC (``ｋｅｔａｍｉｎｅ`` is ``ketamine``), then without format characters
    (Unicode category Cf: zero-width spaces and joiners, soft hyphens, bidi
    controls), then with `LOOKALIKES` taken for their Latin letters. Case and
    accents are kept: ``anna`` and ``Anna`` differ, as they look.

    Parameters:
        text: Any text.

    Returns:
        Its skeleton.
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return folded.translate(LOOKALIKES)


def bare(text: str) -> str:
    """Return the `skeleton` without combining marks, in one case: what a word check reads.

    A stress mark (``кетами́н``) or an accent (``kétamine``) does not hide a word.

    Parameters:
        text: Any text.

    Returns:
        The skeleton, decomposed, without marks (category Mn), case-folded.
    """
    decomposed = unicodedata.normalize("NFD", skeleton(text).casefold())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


__all__ = [
    "BIDI_CONTROLS",
    "HIDDEN",
    "LOOKALIKES",
    "bare",
    "hides",
    "json_text",
    "skeleton",
    "visible",
]
