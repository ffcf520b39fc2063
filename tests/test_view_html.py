"""The HTML view: escaping, links, map, pages; rendered for real in headless Chromium (issue 13)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _geo_helpers import REPORT, sample_entities, sample_events

from sitrep_ie.export.html import ReportView, render_report, span_id, write_view
from sitrep_ie.geo import geocode_events

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "reports" / "view-screenshot.png"


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict[str, str | None]]]:
    p = Tags()
    p.feed(page)
    return p.tags


@pytest.fixture(scope="module")
def view() -> ReportView:
    events = sample_events()
    geocode_events(events, REPORT)
    return ReportView("reports/<b>hostile</b>.txt", REPORT, sample_entities(), [e.to_dict() for e in events])


@pytest.fixture(scope="module")
def page(view: ReportView) -> str:
    return render_report(view)


def test_no_markup_from_the_report_survives(page: str) -> None:
    tags = tags_of(page)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe", "textarea", "b")]
    assert not [t for t, a in tags if any(k.startswith("on") for k in a)]  # no event-handler attribute anywhere
    assert not [a for _, a in tags if any("javascript:" in (v or "") for v in a.values())]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "default-src 'none'" in page  # and scripts are forbidden outright


def test_every_entity_and_trigger_is_highlighted_with_an_anchor(view: ReportView, page: str) -> None:
    for e in view.entities:
        assert f'id="{span_id(e["start"], e["end"])}"' in page
    for ev in view.events:
        if ev["trigger"]:
            assert f'id="{span_id(ev["trigger"]["start"], ev["trigger"]["end"])}"' in page


def test_every_event_is_a_card_whose_links_resolve(view: ReportView, page: str) -> None:
    assert len(re.findall(r'<article class="event-card"', page)) == len(view.events)
    ids = {a["id"] for _, a in tags_of(page) if a.get("id")}
    hrefs = [a["href"] for t, a in tags_of(page) if t == "a" and (a.get("href") or "").startswith("#")]
    assert hrefs and all(h[1:] in ids for h in hrefs)
    assert f'href="#{span_id(*[REPORT.index("275"), REPORT.index("275") + 3])}"' in page  # a quantity links to its span


def test_map_shows_located_places_only(page: str) -> None:
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert len(re.findall(r"<circle", svg)) == 1  # Talbiseh; Kafr Nan, the hostile name and Qwzxvbb are not located
    assert "Talbiseh" in svg and "Qwzxvbb" not in svg and "Kafr Nan" not in svg


def test_report_text_is_complete_and_in_order(view: ReportView, page: str) -> None:
    body = page[page.index('<div class="report">'):page.index("</div></section>")]
    plain = re.sub(r'<span class="lab">.*?</span>', "", body)
    plain = re.sub(r"<[^>]+>", "", plain)
    import html as h

    assert h.unescape(plain) == REPORT


def test_many_reports_give_an_index_and_one_page_each(view: ReportView, tmp_path: Path) -> None:
    other = ReportView("b.txt", "Nothing happened.", [], [])
    written = write_view([view, other], tmp_path / "out.html")
    index = (tmp_path / "out.html").read_text()
    assert len(written) == 3 and all(p.is_file() for p in written)
    for p in written[1:]:
        assert f'href="out_reports/{p.name}"' in index and 'href="../out.html"' in p.read_text()
    assert "&lt;b&gt;hostile&lt;/b&gt;" in index and "<b>" not in index


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium; `make install` does it as root)")
def test_page_renders_in_headless_chromium(view: ReportView, tmp_path: Path) -> None:
    out = tmp_path / "view.html"
    write_view([view], out)
    base = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*base, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    tags = tags_of(dom)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe", "textarea")]  # nothing injected ran or parsed as markup
    ids = {a.get("id") for _, a in tags}
    for i in range(1, len(view.events) + 1):
        assert f"event-{i}" in ids
    for e in view.entities:
        assert span_id(e["start"], e["end"]) in ids
    assert "alert(\"x\")" in dom  # the payload is there, as text
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shot = tmp_path / "shot.png"
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", out.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, SCREENSHOT)
