"""Geocoding accuracy against hand-checked gold ids (``annotations/geo_gold.tsv``; ``make geo-eval``).

Every PLACE span of a Label Studio export is a mention; all mentions of a report are resolved
together (as in extraction), each with its admin parent where the text states one right after it
("Talbiseh in Homs province"). Two figures:

  - resolvable recall: of the mentions whose gold is an id, the share resolved to that id;
  - precision: of the mentions the resolver gave an id, the share whose id is the gold one
    (an id given to a gold "none" mention is wrong).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence, TypeVar

from ..errors import GeoGoldError
from .gazetteer import Gazetteer
from .normalise import rules, split_designator
from .resolve import Query, Resolver, designated

NONE = "none"
K = TypeVar("K")
# one id, or alternatives joined by "|" where the gazetteer holds one place twice (GeoNames duplicates)
_ID = r"(?:gn:\d+|iso:[A-Z]{2}-[A-Z0-9]{1,3}|sup:[A-Z]{2}:[a-z0-9]+:[a-z0-9]+)"
# "X in Y province", "X, Y governorate", "X (Y)", "X of Y province": Y is X's admin parent
_ADMIN_GAP = re.compile(r"^\s*(?:,|\(|,?\s*in(?:\s+the)?|,?\s*of(?:\s+the)?|,?\s*in\s+the\s+\w+\s+of)\s*$", re.I)


@dataclass
class Mention:
    report: str
    name: str
    start: int
    admin: str | None
    country: str | None
    text: str = ""


@dataclass
class GeoScores:
    """Counts and rates of one evaluation; ``errors`` lists the wrong mentions."""

    mentions: int = 0
    resolvable: int = 0
    resolved: int = 0
    correct: int = 0
    missing_gold: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.correct / self.resolvable if self.resolvable else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.resolved if self.resolved else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"mentions": self.mentions, "resolvable": self.resolvable, "resolved": self.resolved, "correct": self.correct,
                "missing_gold": self.missing_gold, "resolvable_recall": round(self.recall, 4), "precision": round(self.precision, 4)}


def _check_id(gid: str, path: Path, line: int) -> None:
    if gid != NONE and not all(re.fullmatch(_ID, g) for g in gid.split("|")):
        raise GeoGoldError(f"{path} line {line}: {gid!r} is not an id (gn:<GeoNames id>, iso:<ISO 3166-2>, sup:…) nor 'none'")


def read_gold(path: Path | str) -> dict[str, str]:
    """name -> gold id (``gn:…``, ``iso:…``, ``sup:…`` or "none") from a TSV with header name, geonames_id, note.

    Example:
        >>> import tempfile, pathlib; p = pathlib.Path(tempfile.mkdtemp()) / "g.tsv"
        >>> _ = p.write_text("name\\tgeonames_id\\tnote\\nHoms\\tgn:169577\\tcity\\n")
        >>> read_gold(p)
        {'Homs': 'gn:169577'}
    """
    out: dict[str, str] = {}
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        head = next(reader, None)
        if head is None or [h.strip() for h in head[:2]] != ["name", "geonames_id"]:
            raise GeoGoldError(f"{path}: the first line must be the header 'name<TAB>geonames_id<TAB>note', got {head!r}")
        for n, row in enumerate(reader, 2):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2 or not row[0].strip():
                raise GeoGoldError(f"{path} line {n}: expected name<TAB>id<TAB>note, got {row!r}")
            gid = row[1].strip()
            _check_id(gid, path, n)
            if row[0] in out and out[row[0]] != gid:
                raise GeoGoldError(f"{path} line {n}: {row[0]!r} appears twice with different ids")
            out[row[0]] = gid
    return out


def read_mention_gold(path: Path | str, exports: Sequence[Path | str] = ()) -> dict[tuple[str, int], str]:
    """(report, start) -> gold id for mentions whose context changes what the name means.

    The name gold gives one id per name: a bare "Hama" is the city. "The province of Hama" and
    "Hama and Idlib provinces" name the province with the same span, so such mentions get their
    own line (header report, start, name, geonames_id, note). With ``exports``, each line's name
    must be the text at its offset in that report (a corpus edit that moves it is an error).

    Example:
        >>> import tempfile, pathlib; p = pathlib.Path(tempfile.mkdtemp()) / "m.tsv"
        >>> _ = p.write_text("report\\tstart\\tname\\tgeonames_id\\tnote\\nbull-001\\t91\\tHama\\tiso:SY-HM\\tthe province of\\n")
        >>> read_mention_gold(p)
        {('bull-001', 91): 'iso:SY-HM'}
    """
    path = Path(path)
    texts = {str(t["data"].get("report_id", t.get("id"))): t["data"]["text"]
             for e in exports for t in json.loads(Path(e).read_text(encoding="utf-8"))}
    out: dict[tuple[str, int], str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        head = next(reader, None)
        if head is None or [h.strip() for h in head[:4]] != ["report", "start", "name", "geonames_id"]:
            raise GeoGoldError(f"{path}: the first line must be the header 'report<TAB>start<TAB>name<TAB>geonames_id<TAB>note', "
                               f"got {head!r}")
        for n, row in enumerate(reader, 2):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 4 or not row[1].strip().isdigit():
                raise GeoGoldError(f"{path} line {n}: expected report<TAB>start<TAB>name<TAB>id<TAB>note, got {row!r}")
            report, start, name, gid = row[0].strip(), int(row[1]), row[2], row[3].strip()
            _check_id(gid, path, n)
            text = texts.get(report)
            if text is not None and text[start:start + len(name)] != name:
                raise GeoGoldError(f"{path} line {n}: report {report} has {text[start:start + len(name)]!r} at offset {start}, "
                                   f"not {name!r}")
            out[(report, start)] = gid
    return out


def mentions(export: Path | str) -> Iterator[list[Mention]]:
    """The PLACE mentions of each report of a Label Studio export, with admin parents read from the text."""
    tasks = json.loads(Path(export).read_text(encoding="utf-8"))
    for task in tasks:
        text = task["data"]["text"]
        anns = [a for a in task.get("annotations") or () if not a.get("was_cancelled")]
        if not anns:
            continue
        spans = sorted((r["value"]["start"], r["value"]["end"]) for r in anns[0]["result"]
                       if r.get("type") == "labels" and r["value"].get("labels") == ["PLACE"])
        out = []
        for i, (s, e) in enumerate(spans):
            admin = None
            if i + 1 < len(spans):
                ns, ne = spans[i + 1]
                parent = text[ns:ne]
                kind = split_designator(parent)[2]
                follows = text[ne:ne + 20].lower().lstrip()
                follow_kind = next((k for d, k in rules().designators.items() if follows.startswith(d)), None)
                if _ADMIN_GAP.match(text[e:ns]) and (kind in ("admin1", "admin2") or follow_kind in ("admin1", "admin2")
                                                     or text[e:ns].strip() == "("):
                    admin = parent
            out.append(Mention(str(task["data"].get("report_id", task.get("id"))), text[s:e], s, admin, task["data"].get("country"), text))
        yield out


def evaluate(export: Path | str, gold: dict[str, str], resolver: Resolver | None = None,
             mention_gold: dict[tuple[str, int], str] | None = None) -> GeoScores:
    """Score the resolver on every PLACE mention of an export against the gold ids.

    Each mention is resolved as extraction resolves it, with the designator its context gives it
    ("the province of Hama"); ``mention_gold`` (:func:`read_mention_gold`) overrides the name gold.
    """
    resolver = resolver or Resolver()
    mention_gold = mention_gold or {}
    scores = GeoScores()
    for report in mentions(export):
        geos = resolver.resolve([Query(designated(m.name, m.text, m.start, m.start + len(m.name)), m.admin) for m in report],
                                report[0].text if report else "")
        for m, g in zip(report, geos):
            scores.mentions += 1
            want = mention_gold.get((m.report, m.start), gold.get(m.name))
            if want is None:
                scores.missing_gold += 1
                continue
            got = g["id"] if g else None
            if want != NONE:
                scores.resolvable += 1
            if got is not None:
                scores.resolved += 1
            if got is not None and got in want.split("|"):
                scores.correct += 1
            elif got is not None or want != NONE:
                scores.errors.append({"report": m.report, "name": m.name, "admin": m.admin, "gold": want, "got": got,
                                      "got_name": g["name"] if g else None, "score": g["score"] if g else None})
    return scores


def check_gold_ids(gold: Mapping[K, str], gazetteer: Gazetteer | None = None) -> list[K]:
    """Gold keys (names, or (report, start) mentions) whose id the gazetteer does not hold (empty when all are there)."""
    gaz = gazetteer or Gazetteer.default()
    return [n for n, gid in gold.items() if gid != NONE and any(gaz.get(g) is None for g in gid.split("|"))]


def error_summary(scores: GeoScores) -> str:
    """A few lines on what went wrong (for the console)."""
    kinds = Counter("missed" if e["got"] is None else ("wrong" if e["gold"] != NONE else "spurious") for e in scores.errors)
    return ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
