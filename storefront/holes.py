"""Holes in HTML drawn once for everyone, filled with what is personal for each request.

A page part that is the same for every shopper but for a few bits (the CSRF token, the page to
come back to, an element id, the cart badge...) is drawn once with a hole where each such bit
goes, kept as text and holes (`Tokens`), and filled per request. A hole is `@@pfh:kind@@` or
`@@pfh:kind:arg@@`; what each kind is filled with is the drawer's business (storefront.product_page,
storefront.layout). One mechanism, one syntax: a hole that one filler does not know raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup

HOLE = re.compile(r"@@pfh:([a-z]+)(?::([\w-]+))?@@")

Tokens = tuple[str | tuple[str, str], ...]


def hole(kind: str, arg: str | None = None) -> Markup:
    """The hole for `kind` (and `arg`), to draw where the personal bit goes."""
    return Markup(f"@@pfh:{kind}:{arg}@@" if arg is not None else f"@@pfh:{kind}@@")


def tokens(html: str) -> Tokens:
    """Drawn HTML as text and holes: (kind, arg) pairs, arg "" when the hole has none."""
    pieces = HOLE.split(html)
    found: list[str | tuple[str, str]] = []
    for i in range(0, len(pieces), 3):
        if pieces[i]:
            found.append(pieces[i])
        if i + 1 < len(pieces):
            found.append((pieces[i + 1], pieces[i + 2] or ""))
    return tuple(found)


def weight(parts: Tokens) -> int:
    """About how many bytes the kept tokens take (for caches bounded by size)."""
    return sum(len(t) if isinstance(t, str) else 16 for t in parts)


Filler = Callable[[str, str], "str | Tokens"]


def fill(parts: Tokens, filler: Filler) -> str:
    """The text with each hole replaced by `filler(kind, arg)`: a string as it is, or tokens,
    whose own holes are filled in turn."""
    out: list[str] = []

    def put(items: Tokens) -> None:
        for item in items:
            if isinstance(item, str):
                out.append(item)
                continue
            value = filler(*item)
            if isinstance(value, str):
                out.append(value)
            else:
                put(value)

    put(parts)
    return "".join(out)
