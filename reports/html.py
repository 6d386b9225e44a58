"""A small builder for self-contained HTML report pages (QA4).

A page is a title and a list of :class:`Section`; styles are inline and charts are embedded
as ``data:`` PNG images, so the one file opens anywhere, offline, and can be mailed as is:
the page loads nothing from outside itself (its only links are plain links to the CSV
files written beside it). Every text passed in is escaped; only the builders here produce
markup. Tables scroll sideways on a narrow screen instead of wrapping their cells.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .charts import Chart

__all__ = [
    "Section",
    "details",
    "escape",
    "facts",
    "figure",
    "link",
    "page",
    "paragraph",
    "paragraph_with",
    "table",
]


def escape(text: str) -> str:
    """Text for a page."""
    return html.escape(text)


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1d2330; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #d8dde6; }
h3 { font-size: 1rem; margin: 1.4rem 0 0.2rem; }
.subtitle { color: #5a6272; margin-top: 0; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.86rem; margin: 0.6rem 0; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #e4e7ec; text-align: right; }
td { white-space: nowrap; font-variant-numeric: tabular-nums; }
th { background: #f3f5f8; vertical-align: bottom; }
td:first-child, th:first-child { text-align: left; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dt { color: #5a6272; } dd { margin: 0; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #5a6272; font-size: 0.9rem; }
details summary { cursor: pointer; color: #2356a8; }
.note { color: #5a6272; font-size: 0.9rem; }
.miss { color: #b42318; font-weight: 600; } .ok { color: #067647; }
@media (max-width: 40rem) {
  body { margin: 1rem auto; padding: 0 0.6rem; }
  dl { grid-template-columns: 1fr; gap: 0; } dd { margin-bottom: 0.4rem; }
  table { font-size: 0.8rem; } th, td { padding: 0.2rem 0.4rem; }
}
"""


@dataclass(frozen=True)
class Section:
    """A part of a page: a heading and its body (markup made by this module's builders)."""

    heading: str
    body: str


def paragraph(text: str, *, note: bool = False) -> str:
    """A paragraph (``note``: in the smaller grey type of explanations)."""
    return f'<p class="note">{html.escape(text)}</p>' if note else f"<p>{html.escape(text)}</p>"


def link(text: str, href: str) -> str:
    """A plain link, e.g. to a file written beside the report (nothing is loaded)."""
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def paragraph_with(markup_parts: Sequence[str]) -> str:
    """A paragraph of parts already made by this module (escaped text, links)."""
    return f"<p>{''.join(markup_parts)}</p>"


def facts(items: Sequence[tuple[str, str]]) -> str:
    """A list of ``name: value`` facts."""
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items)
    return f"<dl>{rows}</dl>"


def table(frame: pd.DataFrame, *, index: bool = False, table_id: str = "") -> str:
    """A DataFrame as an HTML table (cells escaped; missing values shown as ``–``)."""
    markup: str = frame.to_html(
        index=index, escape=True, border=0, na_rep="–", table_id=table_id or None
    )
    return f'<div class="scroll">{markup}</div>'


def figure(chart: Chart) -> str:
    """A chart as an embedded PNG with its caption."""
    title = html.escape(chart.title)
    return (
        f'<figure><img alt="{title}" src="data:image/png;base64,{chart.png}">'
        f"<figcaption><strong>{title}.</strong> {html.escape(chart.caption)}</figcaption></figure>"
    )


def details(summary: str, body: str) -> str:
    """A folded part (for long tables)."""
    return f"<details><summary>{html.escape(summary)}</summary>{body}</details>"


def page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """A whole HTML page: a title, a line under it, the sections."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="subtitle">{html.escape(subtitle)}</p>',
    ]
    for section in sections:
        parts.append(f"<section><h2>{html.escape(section.heading)}</h2>{section.body}</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
