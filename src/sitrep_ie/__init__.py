"""sitrep-ie: event records from field reports.

Example:
    >>> from sitrep_ie import extract
    >>> for event in extract(open("report.txt").read(), reference_date="2017-11-02"):  # doctest: +SKIP
    ...     print(event.to_dict())
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["extract", "tag", "Extractor", "Event", "Entity", "SitrepError", "__version__"]

if TYPE_CHECKING:
    from .errors import SitrepError
    from .extractor import Extractor
    from .schema import Entity, Event


def extract(text: str, *, reference_date: _dt.date | str | None = None) -> list[Event]:
    """Event records of one report with the default model ($SITREP_IE_MODEL or models/default).

    Args:
        text: the report.
        reference_date: its publication date; resolves datelines without a year and "on Tuesday".

    Returns:
        Events in text order; ``Event.to_dict()`` gives the JSON record.
    """
    from .extractor import default_extractor

    return default_extractor().extract(text, reference_date=reference_date)


def tag(text: str) -> list[Entity]:
    """QUANTITY/UNIT/PLACE/ACTOR spans of one text with the default model."""
    from .extractor import default_extractor

    return default_extractor().tag(text)


def __getattr__(name: str) -> Any:
    # Lazy: `import sitrep_ie` stays cheap; the model and its runtime load on first use.
    if name == "Extractor":
        from .extractor import Extractor

        return Extractor
    if name in ("Event", "Entity"):
        from . import schema

        return getattr(schema, name)
    if name == "SitrepError":
        from .errors import SitrepError

        return SitrepError
    raise AttributeError(f"module 'sitrep_ie' has no attribute {name!r}")
