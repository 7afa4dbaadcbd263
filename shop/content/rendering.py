"""Markdown to HTML for the content pages, safely.

Staff write Markdown; shoppers read it. markdown-it-py with raw HTML switched off: a `<script>`
or an `onerror=` in the text is shown as text, never run, and links with `javascript:`,
`vbscript:`, `file:` or `data:` targets are not made links (markdown-it's `validateLink`).
Tables and strikethrough are on; nothing else is added to CommonMark.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def to_html(text: str | None) -> Markup:
    """The Markdown `text` as HTML that is safe to put in a page (raw HTML is escaped)."""
    return Markup(_MARKDOWN.render(text or ""))
