#!/usr/bin/env python
"""Build and maintain annotations/geo_gold.tsv: the hand-checked gazetteer id of every PLACE name.

    python tools/geo_gold.py missing  [EXPORTS...]   # names of the exports not in the gold file (exit 1 if any)
    python tools/geo_gold.py propose  [EXPORTS...]   # candidates for those names -> annotations/geo_gold.proposed.tsv
    python tools/geo_gold.py check                   # every gold id exists in the gazetteer (exit 1 if not)

Default exports: annotations/dev.json and annotations/test.json (add new splits as arguments or
glob them: the corpus grows). The proposal lists, per name, the report countries it occurs in, a
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

from sitrep_ie.geo.evaluate import check_gold_ids, mentions, read_gold  # noqa: E402
from sitrep_ie.geo.gazetteer import Gazetteer  # noqa: E402
from sitrep_ie.geo.normalise import split_designator  # noqa: E402
from sitrep_ie.geo.resolve import Query, Resolver  # noqa: E402

GOLD = ROOT / "annotations" / "geo_gold.tsv"
DEFAULT_EXPORTS = [ROOT / "annotations" / "dev.json", ROOT / "annotations" / "test.json"]


def corpus_names(exports: list[Path]) -> dict[str, dict]:
    """name -> {countries, contexts, admins} over the exports."""
    info: dict[str, dict] = defaultdict(lambda: {"countries": set(), "contexts": [], "admins": set()})
    for export in exports:
        texts = {str(t["data"].get("report_id", t.get("id"))): t["data"]["text"] for t in json.loads(export.read_text(encoding="utf-8"))}
        for report in mentions(export):
            for m in report:
                d = info[m.name]
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
    lines = ["name\tgeonames_id\tnote"]
    for name in todo:
        d = info[name]
        base = split_designator(name)[0]
        ccs = {_country_code(c) for c in d["countries"]}
        # the report's own countries first: that is where a person looks first, too
        cands = sorted(res.candidates(base), key=lambda c: (c[0].country_code not in ccs, not c[1], -c[0].population))[:6]
        shown = "; ".join(f"{r.id} {r.name} {r.country_code}/{gaz.admin1_name(r.admin1) or '-'} {r.kind} pop={r.population}{'' if ex else ' ~'}"
                          for r, ex, _ in cands)
        pick = res.resolve([Query(name, next(iter(d["admins"]), None))])[0]
        lines.append(f"{name}\t?\tin {','.join(sorted(d['countries']))} | {d['contexts'][0] if d['contexts'] else ''} | "
                     f"candidates: {shown or 'NONE'} | resolver (do not copy): {pick['id'] if pick else None}")
    out = ROOT / "annotations" / "geo_gold.proposed.tsv"
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
    bad = check_gold_ids(read_gold(GOLD), Gazetteer.default())
    for n in bad:
        print(f"not in the gazetteer: {n}")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, fn in (("missing", cmd_missing), ("propose", cmd_propose), ("check", cmd_check)):
        p = sub.add_parser(name)
        if name != "check":
            p.add_argument("exports", nargs="*", type=Path, default=DEFAULT_EXPORTS)
        p.set_defaults(fn=fn)
    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
