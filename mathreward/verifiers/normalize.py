"""Text clean-up of one answer (LaTeX or plain) before it is parsed: pure string work, linear, no sympy.

``clean`` removes what never changes an answer's value: math delimiters, ``\\left``/``\\right``, spacing commands,
``\\text{}``-style wrappers, degree marks, ``\\dfrac``/``\\tfrac`` spellings, Unicode minus signs and the like.
``strip_units`` removes a trailing unit or currency ("5 cm", "1,000.99m²", "2,74 $", "99\\pi square inches") from a
numeric answer; only known unit, currency and counted-noun words are units ("2 abc" keeps its "abc").
"""

from __future__ import annotations

import re

from .braces import find_closing
from .patterns import CONTROL_RE
from .symbols import ascii_forms, repair_ends

__all__ = ["clean", "strip_units", "unwrap_command", "plain_text", "trig_in_degrees", "DEGREES_MARK"]

MAX_GROUP_DEPTH = 200  # a brace group nested deeper than this is read as unbalanced
# Control characters separate (they become spaces): "4\x002" is two numbers, never 42.
# "11,\! 111,\! 100": a thousands separator written with a negative thin space after the comma.
_THOUSANDS_SPACING_RE = re.compile(r"(?<=\d),\s*(?:\\!\s*)+(?=\d{3}(?!\d))")
_EMPTY_GROUP_RE = re.compile(r"(?<![A-Za-z\\^_])\{\s*\}")
_UNICODE = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",
    "\u2012": "-",
    "\ufe63": "-",
    "\uff0d": "-",
    "\u00d7": r"\times ",
    "\u22c5": r"\cdot ",
    "\u00b7": r"\cdot ",
    "\u00f7": "/",
    "\u03c0": r"\pi ",
    "\u221a": r"\sqrt",
    "\u221e": r"\infty ",
    "\u2264": r"\le ",
    "\u2265": r"\ge ",
    "\u2260": r"\ne ",
    "\u222a": r"\cup ",
    "\u2229": r"\cap ",
    "\u00b0": r"^\circ ",
    "\u00b1": r"\pm ",
    "\u2213": r"\mp ",
    "\u2205": r"\emptyset ",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\uff0c": ",",
    "\u3002": ".",
    "\uff08": "(",
    "\uff09": ")",
}
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))
# Spacing and sizing commands that never change a value.
_SPACING_RE = re.compile(
    r"\\\\"  # a row break \\ is matched first so that its second backslash is never read as "\ "
    r"|\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg)(?![A-Za-z])"
    r"|\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits|q?quad|hfill|medspace|thinspace|negthinspace)(?![A-Za-z])"
    r"|\\[,;:! ]|~"
)
_DELIMS_RE = re.compile(r"\$|\\\(|\\\)|^\s*\\\[|\\\]\s*$")
_TRIG_RE = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)(?![A-Za-z])")
_TRIG_DEGREE_RE = re.compile(r"(?<!\d)(\d+(?:\.\d+)?)\s*\^\s*(?:\{\s*)?\\circ\s*\}?")
_FRAC_SPELLINGS_RE = re.compile(r"\\[dtc]frac(?![A-Za-z])")
_BINOM_SPELLINGS_RE = re.compile(r"\\[dt]binom(?![A-Za-z])")
_DEGREE_RE = re.compile(
    r"\^\s*(?:\{\s*)?\\circ(?:\s*\})?\s*[CF]?(?![A-Za-z])|\\circ(?![A-Za-z])|\\degree(?![A-Za-z])|\\textdegree"
)
# Wrappers whose content is the value: \text{..}, \textbf{..}, \mathrm{..}, \boxed{..}, ...
_WRAPPERS = (
    "text",
    "textbf",
    "textit",
    "textrm",
    "textsf",
    "texttt",
    "textnormal",
    "mathrm",
    "mathbf",
    "mathit",
    "mathsf",
    "mathtt",
    "mathnormal",
    "boldsymbol",
    "bm",
    "mbox",
    "hbox",
    "emph",
    "boxed",
    "fbox",
    "operatorname",
)
_WRAPPER_RE = re.compile(r"\\(?:" + "|".join(_WRAPPERS) + r")\s*\{")
_SPACES_RE = re.compile(r"\s+")
_INF_RE = re.compile(r"\\inf(?:ty|inity)?(?![A-Za-z])")
_LE_RE = re.compile(r"\\(?:leqslant|leq|le)(?![A-Za-z])")
_GE_RE = re.compile(r"\\(?:geqslant|geq|ge)(?![A-Za-z])")
_NE_RE = re.compile(r"\\(?:neq|ne)(?![A-Za-z])")
_LT_GT_RE = re.compile(r"\\(?:lt)(?![A-Za-z])|\\(?:gt)(?![A-Za-z])")
_MATH_OP_ALIASES = (
    (r"\\varnothing(?![A-Za-z])|\\\{\s*\\\}|\\O(?![A-Za-z])", r"\\emptyset"),
    (r"\\div(?![A-Za-z])", "/"),
    (r"\\ast(?![A-Za-z])", "*"),
    (r"\\dots|\\ldots|\\cdots", r"\\dots"),
)
_ALIAS_RES = tuple((re.compile(pattern), repl) for pattern, repl in _MATH_OP_ALIASES)

# Units and currencies that may trail a numeric answer: known unit abbreviations (attached or not: "5cm", "1,000.99m²")
# or a separate known word ("10 apples", "60 miles per hour", "12 square units"; see ``UNIT_WORDS``), possibly after
# one describing word ("7 distinct integers"). "2xy" keeps its letters and so does "2 abc". A unit may sit in a bare brace group ("440{cm}^2", a gold that lost its \text).
_KNOWN_UNITS = (
    "mm|cm|km|m|dm|nm|g|gm|kg|mg|s|ms|h|hr|hrs|min|mins|sec|secs|l|L|ml|mL|in|ft|yd|yds|mi|lb|lbs|oz|K|V|W|J|N|Hz|"
    "kWh|mph|kph|deg|rad|sq|pt|pts|cal|kcal"
)
_KNOWN_UNIT_SET = frozenset(_KNOWN_UNITS.split("|"))
# Separate words that name a unit, a currency or the things counted in a word problem; plurals are accepted too.
UNIT_WORDS = frozenset(
    """
    millimeter centimeter decimeter meter kilometer millimetre centimetre metre kilometre inch foot feet yard mile
    light-year micron nanometer gram kilogram milligram ton tonne pound ounce liter litre milliliter millilitre gallon
    quart pint cup teaspoon tablespoon second minute hour day week month year decade century millisecond degree radian
    acre hectare square cubic sq cu per unit volt watt joule newton kelvin calorie kilocalorie byte bit
    mph kph km kg cm mm ft yd gm hr hrs min mins sec secs
    dollar cent euro yen rupee penny pennies nickel dime quarter buck peso franc
    apple orange banana cookie candy candies marble ball book pencil pen coin card stamp flower tree egg cake pie
    pizza slice sandwich ticket toy box bag page chair table seat car bus bike bicycle student teacher person people
    child children adult boy girl man men woman women player team member worker friend dog cat bird fish animal cow
    pig sheep chicken horse game point vote meal room floor house step lap ride trip handshake way integer digit
    number value multiple divisor factor triangle square rectangle circle line segment diagonal edge face vertex
    vertices piece tile brick block cube sphere letter word arrangement combination outcome pair round time times
    """.split()
)
_POWER = r"(?:\s*(?:\^\s*\{?[23]\}?|[²³]))?"
# One unit token, read one way only (linear matching): a known unit not glued to a preceding letter, or another word
# of two or more letters after a space or "{" that is not a known unit.
_UNIT_WORD = (
    r"(?:\{\s*)?(?:(?<![A-Za-z])(?:" + _KNOWN_UNITS + r")(?![A-Za-z])(?:\s*\})?" + _POWER + r""
    r"|(?<=[\s{])(?!(?:" + _KNOWN_UNITS + r")(?![A-Za-z]))[a-zA-Z][a-zA-Z\-]+\.?(?:\s*\})?" + _POWER + r")"
)
_UNIT_GROUP = _UNIT_WORD + r"(?:\s*(?:/|per\s)\s*" + _UNIT_WORD + r")?"
MAX_UNIT_WORDS = 6  # a unit suffix is a few words, never a sentence
_TRAILING_UNITS_RE = re.compile(
    r"^(?P<value>.*?(?:[\d}.%)]|\\pi))\s*(?P<unit>"
    + _UNIT_GROUP
    + r"(?:\s*"
    + _UNIT_GROUP
    + r"){0,"
    + str(MAX_UNIT_WORDS - 1)
    + r"}|[$€£¥₹]|USD|EUR|GBP|\\\$)\s*\.?$"
)
_TIME_OF_DAY_RE = re.compile(r"(?<=\d)\s*(?:[aApP]\.\s?[mM]\.?|(?<=\s)[aApP][mM]\.?)$")  # "9 a.m." is 9
_LEADING_CURRENCY_RE = re.compile(r"^(?:\\\$|[$€£¥₹]|USD\s|EUR\s|GBP\s|Rs\.?\s?)\s*(?=[-+]?[\d.])")
_NOT_UNITS = frozenset(
    {"pi", "sqrt", "frac", "or", "and", "sin", "cos", "tan", "log", "ln", "exp", "mod", "dots", "infty", "i", "e"}
)


def unwrap_command(text: str, pattern: re.Pattern[str]) -> str:
    """Replace every ``\\cmd{content}`` matched by ``pattern`` (which ends at the ``{``) with ``content``."""
    for _ in range(64):
        match = pattern.search(text)
        if match is None:
            return text
        open_pos = match.end() - 1
        close = find_closing(text, open_pos, max_depth=MAX_GROUP_DEPTH)
        if close < 0:
            return text[: match.start()] + text[match.end() :]
        text = text[: match.start()] + text[open_pos + 1 : close] + text[close + 1 :]
    return text


def _spacing(match: re.Match) -> str:
    token = match.group()
    if token == "\\\\":
        return token
    return "" if token == "\\!" else " "


def is_unit_word(word: str) -> bool:
    """A known unit abbreviation (case kept: "K", "mL") or a known unit/counted word in any case, singular or plural."""
    if word in _KNOWN_UNIT_SET:
        return True
    low = word.lower()
    if len(low) < 2:
        return False
    return (
        low in UNIT_WORDS
        or (low.endswith("s") and low[:-1] in UNIT_WORDS)
        or (low.endswith("es") and low[:-2] in UNIT_WORDS)
    )


def _is_unit_phrase(words: list[str]) -> bool:
    """Known unit words, or a known last word after one describing word ("7 distinct integers", "14 right
    triangles"); "2 abc" is not a unit."""
    unknown = [word for word in words if not (is_unit_word(word) or word in ("USD", "EUR", "GBP"))]
    if not unknown:
        return True
    return len(unknown) == 1 and len(words) >= 2 and unknown[0] != words[-1] and len(unknown[0]) >= 3


def _strip_outer_group(text: str) -> str:
    """``{A,D}`` -> ``A,D``: a bare brace group around the whole answer only groups (``\\{..\\}`` is a set)."""
    for _ in range(8):
        if (
            not (text.startswith("{") and text.endswith("}"))
            or find_closing(text, 0, max_depth=MAX_GROUP_DEPTH) != len(text) - 1
        ):
            return text
        text = text[1:-1].strip()
    return text


def clean(text: str) -> str:
    """Normalise one answer string: the result has the same value and fewer spellings."""
    text = ascii_forms(CONTROL_RE.sub(" ", text))
    text = _THOUSANDS_SPACING_RE.sub(",", text)
    text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group()], text)
    text = _DELIMS_RE.sub(" ", text)
    text = text.replace("\\displaystyle", " ")
    text = _FRAC_SPELLINGS_RE.sub(r"\\frac", text)
    text = _BINOM_SPELLINGS_RE.sub(r"\\binom", text)
    if _TRIG_RE.search(text):
        text = _TRIG_DEGREE_RE.sub(r"(\1\\pi/180)", text)  # \sin 30^\circ is sin(pi/6), not sin(30)
    text = _DEGREE_RE.sub(" ", text)
    text = text.replace("{,}", ",").replace("{.}", ".")
    text = text.replace("\\%", "%").replace("\\left.", "").replace("\\right.", "")
    text = _SPACING_RE.sub(_spacing, text)
    if "\\" in text:
        text = unwrap_command(text, _WRAPPER_RE)
        text = _INF_RE.sub(r"\\infty", text)
        text = _LE_RE.sub(r"\\le", text)
        text = _GE_RE.sub(r"\\ge", text)
        text = _NE_RE.sub(r"\\ne", text)
        text = _LT_GT_RE.sub(lambda m: "<" if m.group().startswith("\\lt") else ">", text)
        for regex, repl in _ALIAS_RES:
            text = regex.sub(repl, text)
    text = _EMPTY_GROUP_RE.sub("", text)
    text = _strip_outer_group(_SPACES_RE.sub(" ", text).strip())
    while text.endswith((".", "。")) and not text.endswith(".."):
        text = text[:-1].rstrip()
    return repair_ends(text)


_TRIG_BARE_ARG_RE = re.compile(
    r"(\\(?:sin|cos|tan|cot|sec|csc))\s*(?:\{\s*(\d+(?:\.\d+)?)\s*\}|\(\s*(\d+(?:\.\d+)?)\s*\)|(\d+(?:\.\d+)?))(?![\d.^])"
)
DEGREES_MARK = "\\pi/180)"  # what ``clean`` writes for a trig argument in degrees


def trig_in_degrees(text: str) -> str:
    """Read bare numeric trig arguments as degrees (``\\cos58`` -> ``\\cos(58\\pi/180)``), for comparing with an
    answer that wrote its angles in degrees (``\\cos 58^\\circ``)."""
    return _TRIG_BARE_ARG_RE.sub(lambda m: f"{m.group(1)}({m.group(2) or m.group(3) or m.group(4)}\\pi/180)", text)


def strip_units(text: str) -> str:
    """Remove a trailing unit/currency and a leading currency sign from a numeric answer ("5 cm" -> "5")."""
    text = _LEADING_CURRENCY_RE.sub("", text)
    text = _TIME_OF_DAY_RE.sub("", text)
    for _ in range(3):
        match = _TRAILING_UNITS_RE.match(text)
        if match is None:
            break
        words = re.findall(r"[A-Za-z][A-Za-z\-]*", match.group("unit"))
        if any(word.lower() in _NOT_UNITS for word in words):
            break
        if not _is_unit_phrase(words):
            break
        if match.group("value").endswith("\\pi") and any(len(word) < 2 for word in words):
            break  # "2\pi r", "\pi h": a single letter after pi is a variable
        text = match.group("value").rstrip()
    return text


_PLAIN_TEXT_RE = re.compile(r"[^0-9a-z]+")


def plain_text(text: str) -> str:
    """Lower-case letters and digits only: the comparison key for text answers ("\\text{Evelyn}" -> "evelyn")."""
    return _PLAIN_TEXT_RE.sub("", text.lower())
