"""Symbol variants that write the same answer: Unicode and HTML forms, circled numbers, stray punctuation.

``ascii_forms`` (run first by ``normalize.clean``): full-width ASCII (``＞``, ``３``, ``（``) becomes ASCII; ``∀``,
``∃``, ``∈`` become LaTeX; ``<sup>x</sup>`` / ``<sub>1</sub>`` and superscript digits (``x²``) become ``^{x}`` /
``_{1}`` / ``^{2}``; circled numbers, used for multi-select answers, become a list (``②③`` -> ``2, 3``).
``repair_ends`` (run last): a period stranded before the closing bracket of an interval (``(- \\frac12,
\\sqrt2.]``), a trailing lone backslash (``185\\``) and an escaped closing brace with no opening one (``185\\}``,
left by a box that never closed) are dropped. One pass over the characters each; no regex.
"""

from __future__ import annotations

__all__ = ["ascii_forms", "repair_ends"]

_SYMBOLS = {
    "∀": "\\forall ",
    "∃": "\\exists ",
    "∈": "\\in ",
    "∉": "\\notin ",
    "⊆": "\\subseteq ",
    "⊂": "\\subset ",
    "∧": "\\land ",
    "∨": "\\lor ",
    "¬": "\\neg ",
    "⇒": "\\Rightarrow ",
    "→": "\\to ",
    "≦": "\\le ",
    "≧": "\\ge ",
    "⩽": "\\le ",
    "⩾": "\\ge ",
    "　": " ",
    "≈": "\\approx ",
    "或": " or ",  # Chinese "or"/"and" between answers: "x=2或x=3" is a list
    "及": " and ",
    "且": " and ",
}
_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9"}
_SUPERSCRIPTS.update({"⁺": "+", "⁻": "-"})
_CIRCLED = {chr(0x2460 + k): str(k + 1) for k in range(20)}  # ① .. ⑳
_CIRCLED.update({chr(0x2776 + k): str(k + 1) for k in range(10)})  # ❶ .. ❿
_HTML = (("<sup>", "^{"), ("</sup>", "}"), ("<sub>", "_{"), ("</sub>", "}"), ("&gt;", ">"), ("&lt;", "<"))
_HTML = (*_HTML, ("&ge;", "\\ge "), ("&le;", "\\le "), ("&nbsp;", " "), ("&minus;", "-"), ("&amp;", "&"))
_FULL_WIDTH_START, _FULL_WIDTH_END = 0xFF01, 0xFF5E


def _html(text: str) -> str:
    if "&" in text or "<su" in text:
        for html, latex in _HTML:
            text = text.replace(html, latex)
        if text.endswith(("</sup", "</sub")):  # the extraction took the last ">" for markdown
            text = text[:-5] + "}"
    return text


def ascii_forms(text: str) -> str:
    """Rewrite Unicode/HTML spellings into the ASCII/LaTeX forms the readers know (see the module docstring)."""
    if text.isascii():
        return _html(text)
    text = text.replace("或者", " or ")
    out: list[str] = []
    superscript: list[str] = []
    previous_circled = False
    for char in text:
        if char in _SUPERSCRIPTS:
            superscript.append(_SUPERSCRIPTS[char])
            continue
        if superscript:
            out.append("^{" + "".join(superscript) + "}")
            superscript = []
        code = ord(char)
        if char in _CIRCLED:
            out.append((", " if previous_circled else "") + _CIRCLED[char])
            previous_circled = True
            continue
        previous_circled = False
        if _FULL_WIDTH_START <= code <= _FULL_WIDTH_END:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(_SYMBOLS.get(char, char))
    if superscript:
        out.append("^{" + "".join(superscript) + "}")
    return _html("".join(out))


def repair_ends(text: str) -> str:
    """Drop a stranded period before a final closing bracket, a trailing lone backslash and an unmatched ``\\}``."""
    if text.endswith("\\}") and "\\{" not in text and not text.endswith("\\\\}"):
        text = text[:-2].rstrip()
    if text.endswith("\\"):
        run = len(text) - len(text.rstrip("\\"))
        if run % 2:
            text = text[:-1].rstrip()
    if len(text) > 2 and text[-1] in ")]" and text[0] in "([":
        body = text[:-1].rstrip()
        if body.endswith(".") and not body.endswith(".."):
            text = body[:-1].rstrip() + text[-1]
    return text
