#!/usr/bin/env python
"""Build and maintain annotations/geo_gold.tsv: the hand-checked gazetteer id of every PLACE name.

    python tools/geo_gold.py missing  [EXPORTS...] [--split train]   # names of the exports not in the gold file (exit 1 if any)
    python tools/geo_gold.py propose  [EXPORTS...] [--split train] [--resolved-first] [--out FILE]
                                                     # candidates for those names -> annotations/geo_gold.proposed.tsv
    python tools/geo_gold.py check                   # every gold id exists in the gazetteer (exit 1 if not), and every
                                                     # line of geo_gold_mentions.tsv names the text at its offset

Default exports: annotations/dev.json and annotations/test.json (add new splits as arguments or
glob them: the corpus grows); ``--split train`` (repeatable) names a split instead of its path.
``--resolved-first`` puts first the names the resolver gives an id (where spurious resolutions
come from: a missing place answered by a namesake elsewhere), most mentioned first; each
candidate then shows its distance to the nearest already-gold place of the same reports (``d=``),
so a namesake 900 km from the report's other places stands out. The proposal lists, per name, the report countries it occurs in, a
context snippet and the gazetteer candidates (id, name, country, admin1, kind, population); a
person decides each one and copies the line to geo_gold.tsv with the chosen id or "none" and a
note. The resolver's own pick is shown last and marked, so that it can be checked against,
not copied: gold built from the resolver's answers would make `make geo-eval` circular.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sitrep_ie.geo.evaluate import check_gold_ids, mentions, read_gold, read_mention_gold  # noqa: E402
from sitrep_ie.geo.gazetteer import Gazetteer, distance_km  # noqa: E402
from sitrep_ie.geo.normalise import split_designator  # noqa: E402
from sitrep_ie.geo.resolve import Query, Resolver  # noqa: E402

GOLD = ROOT / "annotations" / "geo_gold.tsv"
MENTION_GOLD = ROOT / "annotations" / "geo_gold_mentions.tsv"
DEFAULT_EXPORTS = [ROOT / "annotations" / "dev.json", ROOT / "annotations" / "test.json"]


def corpus_names(exports: list[Path]) -> dict[str, dict]:
    """name -> {countries, contexts, admins, count, neighbours (the other names of its reports)} over the exports."""
    info: dict[str, dict] = defaultdict(lambda: {"countries": set(), "contexts": [], "admins": set(), "count": 0, "neighbours": set()})
    for export in exports:
        texts = {str(t["data"].get("report_id", t.get("id"))): t["data"]["text"] for t in json.loads(export.read_text(encoding="utf-8"))}
        for report in mentions(export):
            names = {m.name for m in report}
            for m in report:
                d = info[m.name]
                d["count"] += 1
                d["neighbours"] |= names - {m.name}
                if m.country:
                    d["countries"].add(m.country)
                if m.admin:
                    d["admins"].add(m.admin)
                if len(d["contexts"]) < 1:
                    t = texts[m.report]
                    d["contexts"].append(" ".join(t[max(0, m.start - 50):m.start + len(m.name) + 50].split()))
    return dict(info)


def missing_names(exports: list[Path], gold_path: Path = GOLD) -> list[str]:
    """Names of the exports that the gold file does not list."""
    gold = read_gold(gold_path) if gold_path.is_file() else {}
    return sorted(n for n in corpus_names(exports) if n not in gold)


def cmd_missing(args: argparse.Namespace) -> int:
    names = missing_names(args.exports)
    for n in names:
        print(n)
    print(f"{len(names)} names missing from {GOLD.name}", file=sys.stderr)
    return 1 if names else 0


def cmd_propose(args: argparse.Namespace) -> int:
    info = corpus_names(args.exports)
    todo = missing_names(args.exports)
    res = Resolver()
    gaz = res.gaz
    gold = read_gold(GOLD) if GOLD.is_file() else {}
    picks = {name: res.resolve([Query(name, next(iter(info[name]["admins"]), None))])[0] for name in todo}
    if args.resolved_first:
        todo.sort(key=lambda n: (picks[n] is None, -info[n]["count"], n))
    lines = ["name\tgeonames_id\tnote"]
    for name in todo:
        d = info[name]
        base = split_designator(name)[0]
        ccs = {_country_code(c) for c in d["countries"]}
        # points of the same reports whose gold is already decided: how far each candidate lies from them
        known = [r for n in d["neighbours"] if gold.get(n, "none") != "none"
                 for r in [gaz.get(gold[n].split("|")[0])] if r is not None and r.kind in ("settlement", "site", "admin2", "admin3")]
        # the report's own countries first: that is where a person looks first, too
        cands = sorted(res.candidates(base), key=lambda c: (c[0].country_code not in ccs, not c[1], -c[0].population))[:6]
        shown = "; ".join(f"{r.id} {r.name} {r.country_code}/{gaz.admin1_name(r.admin1) or '-'} {r.kind} pop={r.population}{'' if ex else ' ~'}"
                          + (f" d={min(distance_km(r.lat, r.lon, k.lat, k.lon) for k in known):.0f}km" if known else "")
                          for r, ex, _ in cands)
        pick = picks[name]
        lines.append(f"{name}\t?\tin {','.join(sorted(d['countries']))} | {d['contexts'][0] if d['contexts'] else ''} | "
                     f"candidates: {shown or 'NONE'} | resolver (do not copy): {pick['id'] if pick else None}")
    out = args.out or ROOT / "annotations" / "geo_gold.proposed.tsv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(todo)} names to decide)")
    return 0


def _country_code(name: str) -> str:
    import pycountry

    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        return ""


def cmd_check(args: argparse.Namespace) -> int:
    gaz = Gazetteer.default()
    exports = [p for p in (ROOT / "annotations" / f"{s}.json" for s in ("train", "dev", "test")) if p.is_file()]
    bad = check_gold_ids(read_gold(GOLD), gaz) + check_gold_ids(read_mention_gold(MENTION_GOLD, exports), gaz)
    for n in bad:
        print(f"not in the gazetteer: {n}")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, fn in (("missing", cmd_missing), ("propose", cmd_propose), ("check", cmd_check)):
        p = sub.add_parser(name)
        if name != "check":
            p.add_argument("exports", nargs="*", type=Path)
            p.add_argument("--split", action="append", default=[], help="a split of annotations/ (train, dev, test) instead of a path")
        if name == "propose":
            p.add_argument("--resolved-first", action="store_true", help="names the resolver gives an id first, most mentioned first")
            p.add_argument("--out", type=Path, help="where to write the proposals (default annotations/geo_gold.proposed.tsv)")
        p.set_defaults(fn=fn)
    args = ap.parse_args(argv)
    if args.cmd != "check":
        args.exports = list(args.exports) + [ROOT / "annotations" / f"{s}.json" for s in args.split] or DEFAULT_EXPORTS
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
