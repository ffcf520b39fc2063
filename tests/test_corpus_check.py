"""The authoring check reads a quantity's value the way extraction reads its Q span (tools/build_corpus.py --check)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitrep_ie.data.corpus import check_record, parse_file, short_codes

REPORT = """@@@ report t-001
style: demining_ngo
country: Ukraine
split: train
reference_date: 2023-05-02
structures: decimal_comma
---
[[HALO Trust|A]] teams [[cleared|T]] [[{q}|Q]] [[ha|U]] near [[Izium|P]].
---
event: {{"type": "demining", "date": null, "actors": ["HALO Trust"], "places": [{{"name": "Izium", "admin": null}}], "quantities": [{{"value": {v}, "unit": "ha", "approx": null}}], "trigger": "cleared"}}
"""


@pytest.mark.parametrize("q,v,ok", [
    ("1,8", 1.8, True),        # decimal comma, no number in words anywhere in the report
    ("1,8", 18, False),
    ("1,800", 1800, True),     # thousands separator
    ("12.5", 12.5, True),
    ("12.5", 125, False),
])
def test_value_must_read_from_a_q_span(tmp_path: Path, q: str, v: float, ok: bool) -> None:
    path = tmp_path / "src.txt"
    path.write_text(REPORT.format(q=q, v=v), encoding="utf-8")
    (rec,) = parse_file(path, short_codes())
    problems = [p for p in check_record(rec, {"demining"}) if "reads as" in p]
    assert (not problems) == ok, problems
