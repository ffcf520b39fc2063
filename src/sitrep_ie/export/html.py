"""A self-contained HTML view of extracted reports: highlighted spans, event cards, an offline map.

``sitrep-ie view REPORT... -o OUT.html``. Each report page shows the text with its entity spans and
event triggers highlighted by label (displaCy-like), one card per event whose values link to the
spans they were read from, and an inline SVG map of the event places (plain lon/lat projection with
a graticule: no tiles, no CDN, no script). Several reports give one page each, next to an index.

Nothing from a report is ever markup: every piece of report text, name and value goes through
``html.escape`` (quotes included, so it cannot leave an attribute), and each page forbids scripts
outright with a Content-Security-Policy (``default-src 'none'``), so even a missed escape could not run code.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import settings

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
MAP_W, MAP_H = 640, 380
_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:12px 24px;background:#263238;color:#fff}header a{color:#cfd8dc}
main{display:grid;grid-template-columns:minmax(0,1.2fr) minmax(0,1fr);gap:24px;padding:24px}
.report{white-space:pre-wrap;background:#fff;padding:16px;border:1px solid #ddd;border-radius:6px;line-height:2}
mark{padding:1px 3px;border-radius:4px;background:#eee}
mark .lab{font-size:10px;font-weight:700;margin-left:3px;text-transform:uppercase;opacity:.7}
mark:target,a.pos:target+*{outline:3px solid #e63946}
.event-card{background:#fff;border:1px solid #ddd;border-left:5px solid #f4a3a8;border-radius:6px;padding:8px 12px;margin-bottom:10px}
.event-card h3{margin:0 0 4px;font-size:15px}.event-card dl{margin:0;display:grid;grid-template-columns:90px 1fr}
.event-card dt{color:#666}.event-card dd{margin:0}.conf{float:right;color:#555;font-size:13px}
.legend span{display:inline-block;padding:0 6px;margin-right:6px;border-radius:4px;font-size:12px}
svg{background:#eef4f7;border:1px solid #ccc;border-radius:6px;max-width:100%}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
"""


@dataclass
class ReportView:
    """One report to show: its text, its tagged entities and its events (``to_dict()`` records)."""

    source: str
    text: str
    entities: Sequence[dict[str, Any]] = field(default_factory=list)
    events: Sequence[dict[str, Any]] = field(default_factory=list)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _colour(label: str) -> str:
    return str(settings()["colours"].get(label, "#e0e0e0"))


def span_id(start: int, end: int) -> str:
    """Anchor id of a highlighted span.

    Example:
        >>> span_id(3, 9)
        's-3-9'
    """
    return f"s-{start}-{end}"


def _marks(view: ReportView) -> list[tuple[int, int, str, str]]:
    """Non-overlapping (start, end, label, kind) highlights: entities first, then triggers where free."""
    cands = [(int(e["start"]), int(e["end"]), str(e["label"]), "entity") for e in view.entities]
    cands += [(ev["trigger"]["start"], ev["trigger"]["end"], ev["type"], "trigger") for ev in view.events if ev.get("trigger")]
    kept: list[tuple[int, int, str, str]] = []
    n = len(view.text)
    for s, e, lab, kind in sorted(cands, key=lambda m: (m[3] != "entity", m[0], -m[1])):
        if not (0 <= s < e <= n) or any(s < ke and ks < e for ks, ke, _, _ in kept):
            continue  # out of range or overlapping a kept span: its values link to a position anchor instead
        kept.append((s, e, lab, kind))
    return sorted(kept)


def _linked_positions(events: Sequence[dict[str, Any]]) -> set[int]:
    pos: set[int] = set()
    for ev in events:
        for m in ev.get("evidence") or ():
            pos.add(m["start"])
        for p in ev.get("places") or ():
            pos.add(p["start"])
        for q in ev.get("quantities") or ():
            pos.add(q["start"])
        for a in ev.get("actor_spans") or ():
            pos.add(a[0])
        if ev.get("trigger"):
            pos.add(ev["trigger"]["start"])
        if ev.get("date_span"):
            pos.add(ev["date_span"][0])
    return pos


def render_text(view: ReportView) -> str:
    """The report as escaped HTML with highlights (``<mark id=s-START-END>``) and position anchors (``p-POS``).

    Example:
        >>> render_text(ReportView("r", "in Homs", [{"start": 3, "end": 7, "label": "PLACE"}]))[:60]
        '<a class="pos" id="p-0"></a>in <a class="pos" id="p-3"></a><'
    """
    text = view.text
    marks = _marks(view)
    starts = {s: (s, e, lab, kind) for s, e, lab, kind in marks}
    ends = {e: lab for _, e, lab, _ in marks}
    points = sorted(_linked_positions(view.events) & set(range(len(text) + 1)) | {0, len(text)} | set(starts) | set(ends))
    out = []
    for a, b in zip(points, points[1:] + [None]):
        if a in ends:  # the label badge closes the span, as in displaCy
            out.append(f'<span class="lab">{_e(ends[a])}</span></mark>')
        if a < len(text) or a == 0:
            out.append(f'<a class="pos" id="p-{a}"></a>')
        if a in starts:
            s, e, lab, kind = starts[a]
            colour = _colour("TRIGGER" if kind == "trigger" else lab)
            out.append(f'<mark id="{span_id(s, e)}" class="{kind}" data-label="{_e(lab)}" style="background:{_e(colour)}">')
        if b is not None:
            out.append(_e(text[a:b]))
    return "".join(out)


def _link(start: int, end: int | None, label: str, marks: set[tuple[int, int]]) -> str:
    href = f"#{span_id(start, end)}" if end is not None and (start, end) in marks else f"#p-{start}"
    return f'<a href="{href}">{_e(label)}</a>'


def render_card(i: int, ev: dict[str, Any], marks: set[tuple[int, int]]) -> str:
    """One event as a card; every value links to the span it was read from."""
    rows = []
    if ev.get("trigger"):
        t = ev["trigger"]
        rows.append(("trigger", _link(t["start"], t["end"], t["text"], marks)))
    if ev.get("date"):
        ds = ev.get("date_span")
        rows.append(("date", _link(ds[0], ds[1], ev["date"], marks) if ds else _e(ev["date"])))
    if ev.get("actors"):
        rows.append(("actors", ", ".join(_link(s[0], s[1], a, marks) for a, s in zip(ev["actors"], ev.get("actor_spans") or []))))
    places = []
    for p in ev.get("places") or ():
        g = p.get("geo")
        where = f' <small>({g["lat"]:.3f}, {g["lon"]:.3f}; {_e(g["precision"])}{", " + _e(g["admin1"]) if g.get("admin1") else ""})</small>' if g else " <small>(not located)</small>"
        admin = f' in {_link(p["admin_span"][0], p["admin_span"][1], p["admin"], marks)}' if p.get("admin") and p.get("admin_span") else ""
        places.append(_link(p["start"], p["end"], p["name"], marks) + admin + where)
    if places:
        rows.append(("places", "<br>".join(places)))
    qs = []
    for q in ev.get("quantities") or ():
        unit = f' {_link(q["unit_span"][0], q["unit_span"][1], q["unit"], marks)}' if q.get("unit") and q.get("unit_span") else ""
        approx = f'{_e(q["approx"])} ' if q.get("approx") and q["approx"] != "range" else ""
        upper = f'–{_e(q["upper"])}' if q.get("upper") is not None else ""
        norm = f' <small>= {_e(q["normalized"]["value"])} {_e(q["normalized"]["unit"])}</small>' if q.get("normalized") else ""
        qs.append(approx + _link(q["start"], q["end"], f'{q["value"]}', marks) + upper + unit + norm)
    if qs:
        rows.append(("quantities", "<br>".join(qs)))
    ev_links = " ".join(_link(m["start"], None, "evidence ¶", marks) for m in ev.get("evidence") or ())
    rows.append(("evidence", ev_links))
    body = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<article class="event-card" id="event-{i + 1}" data-type="{_e(ev["type"])}">'
            f'<span class="conf">confidence {float(ev.get("confidence") or 0):.2f}</span>'
            f'<h3>{i + 1}. {_e(ev["type"])}</h3><dl>{body}</dl></article>')


def render_map(events: Sequence[dict[str, Any]]) -> str:
    """An inline SVG map of the located event places (equirectangular, lon scaled by cos of mid latitude)."""
    pts = [(ev_i, p) for ev_i, ev in enumerate(events) for p in ev.get("places") or () if p.get("geo")]
    if not pts:
        return '<p class="nomap">No event place could be located.</p>'
    lats = [p["geo"]["lat"] for _, p in pts]
    lons = [p["geo"]["lon"] for _, p in pts]
    k = max(0.2, math.cos(math.radians((min(lats) + max(lats)) / 2)))
    pad = 0.5
    lat0, lat1 = min(lats) - pad, max(lats) + pad
    lon0, lon1 = min(lons) - pad / k, max(lons) + pad / k
    # keep the map's aspect: widen the narrower side so that one degree of latitude = 1/k degrees of longitude
    span_x, span_y = (lon1 - lon0) * k, lat1 - lat0
    if span_x / span_y < MAP_W / MAP_H:
        extra = (span_y * MAP_W / MAP_H - span_x) / k / 2
        lon0, lon1 = lon0 - extra, lon1 + extra
    else:
        extra = (span_x * MAP_H / MAP_W - span_y) / 2
        lat0, lat1 = lat0 - extra, lat1 + extra

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - lon0) / (lon1 - lon0) * MAP_W, (lat1 - lat) / (lat1 - lat0) * MAP_H

    step = next(s for s in (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 45) if (lat1 - lat0) / s <= 8)
    grid = []
    for g in range(math.ceil(lat0 / step), math.floor(lat1 / step) + 1):
        y = xy(g * step, lon0)[1]
        grid.append(f'<line x1="0" y1="{y:.1f}" x2="{MAP_W}" y2="{y:.1f}"/><text x="2" y="{y - 2:.1f}">{g * step:g}°</text>')
    for g in range(math.ceil(lon0 / step), math.floor(lon1 / step) + 1):
        x = xy(lat0, g * step)[0]
        grid.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{MAP_H}"/><text x="{x + 2:.1f}" y="{MAP_H - 3}">{g * step:g}°</text>')
    dots, seen = [], set()
    for ev_i, p in pts:
        g = p["geo"]
        x, y = xy(g["lat"], g["lon"])
        r = {"settlement": 5, "admin2": 7, "admin1": 9, "country": 11}.get(g["precision"], 5)
        label = "" if (round(x), round(y)) in seen else f'<text x="{x + r + 2:.1f}" y="{y + 4:.1f}" fill="#263238" stroke="none">{_e(p["name"])}</text>'
        seen.add((round(x), round(y)))
        dots.append(f'<a href="#event-{ev_i + 1}"><circle class="place" cx="{x:.1f}" cy="{y:.1f}" r="{r}">'
                    f'<title>{_e(p["name"])} ({g["lat"]:.3f}, {g["lon"]:.3f}, {_e(g["precision"])}): event {ev_i + 1}</title></circle>{label}</a>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {MAP_W} {MAP_H}" width="{MAP_W}" height="{MAP_H}" role="img" '
            f'aria-label="map of event places"><g stroke="#b0bec5" stroke-width="0.6" font-size="9" fill="#78909c">{"".join(grid)}</g>'
            f'<g fill="#e63946" fill-opacity="0.75" stroke="#fff" font-size="12" font-family="sans-serif">{"".join(dots)}</g></svg>')


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{_e(title)}</title>'
            f"<style>{_CSS}</style></head><body>{body}</body></html>\n")


def render_report(view: ReportView, *, index_href: str | None = None) -> str:
    """The full page of one report.

    Example:
        >>> page = render_report(ReportView("r.txt", "<b>12 mines</b>", [{"start": 3, "end": 5, "label": "QUANTITY"}], []))
        >>> "&lt;b&gt;" in page and "<b>" not in page
        True
    """
    marks = {(s, e) for s, e, _, _ in _marks(view)}
    labels = sorted({str(e["label"]) for e in view.entities}) + (["TRIGGER"] if any(ev.get("trigger") for ev in view.events) else [])
    legend = "".join(f'<span style="background:{_e(_colour(lab))}">{_e(lab)}</span>' for lab in labels)
    cards = "".join(render_card(i, ev, marks) for i, ev in enumerate(view.events)) or "<p>No events.</p>"
    back = f' · <a href="{_e(index_href)}">all reports</a>' if index_href else ""
    body = (f"<header><strong>sitrep-ie</strong> · {_e(view.source)} · {len(view.events)} events{back}</header><main>"
            f'<section><div class="legend">{legend}</div><div class="report">{render_text(view)}</div></section>'
            f"<section><h2>Map</h2>{render_map(view.events)}<h2>Events</h2>{cards}</section></main>")
    return _page(f"sitrep-ie: {view.source}", body)


def render_index(entries: Sequence[tuple[str, str, int, int]]) -> str:
    """The index page: (source, href, events, located places) per report."""
    rows = "".join(f'<tr><td><a href="{_e(href)}">{_e(src)}</a></td><td>{n}</td><td>{m}</td></tr>' for src, href, n, m in entries)
    body = (f"<header><strong>sitrep-ie</strong> · {len(entries)} reports</header><main><section>"
            f"<table><tr><th>report</th><th>events</th><th>located places</th></tr>{rows}</table></section></main>")
    return _page("sitrep-ie: reports", body)


def _slug(source: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", Path(source).stem)[:60].strip("-") or "report"


def write_view(reports: Sequence[ReportView], out: Path | str) -> list[Path]:
    """Write the page of one report to ``out``, or, for several, an index at ``out`` and one page each
    in ``<out stem>_reports/``; returns the files written.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if len(reports) == 1:
        out.write_text(render_report(reports[0]), encoding="utf-8")
        return [out]
    folder = out.parent / f"{out.stem}_reports"
    folder.mkdir(exist_ok=True)
    written, entries = [], []
    for i, view in enumerate(reports, 1):
        page = folder / f"{i:03d}-{_slug(view.source)}.html"
        page.write_text(render_report(view, index_href=f"../{out.name}"), encoding="utf-8")
        written.append(page)
        located = sum(1 for ev in view.events for p in ev.get("places") or () if p.get("geo"))
        entries.append((view.source, f"{folder.name}/{page.name}", len(view.events), located))
    out.write_text(render_index(entries), encoding="utf-8")
    return [out, *written]


def run_view(extractor: Any, inputs: Iterable[tuple[str, str]], out: Path | str, reference_date: Any = None) -> list[Path]:
    """Tag, assemble (and geocode) each (source, text) with ``extractor`` and write the view (the CLI's ``view``)."""
    inputs = list(inputs)
    tagged = extractor.tag_many([t for _, t in inputs])
    views = [ReportView(src, text, [e.to_dict() for e in ents],
                        [ev.to_dict() for ev in extractor.assemble(text, ents, reference_date=reference_date)])
             for (src, text), ents in zip(inputs, tagged)]
    return write_view(views, out)
