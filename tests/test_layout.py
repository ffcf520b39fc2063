"""The architecture holds: parts import only in the allowed direction; defaults ship with the package."""

import ast
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from import_graph import edges  # noqa: E402

# data -> model -> events -> extractor -> cli; evaluation reads only the schema and data (the model
# scores backends with the frozen metric, which never imports the model back); the trainer runs
# model and event-layer training in one and tunes on dev with the metric.
ALLOWED = {
    "errors": set(),
    "schema": set(),
    "config": {"errors"},
    "data": {"config", "errors", "schema"},
    "evaluation": {"data", "errors", "schema"},
    "model": {"data", "config", "errors", "schema", "evaluation"},
    "events": {"config", "errors", "schema", "data"},
    "extractor": {"data", "model", "events", "geo", "config", "errors", "schema"},
    "geo": {"config", "errors", "schema"},
    "export": {"geo", "config", "errors", "schema"},
    "batch": {"__init__", "config", "errors", "schema"},  # reaches the model only through the public API (sitrep_ie.Extractor)
    "trainer": {"data", "model", "events", "evaluation", "config", "errors", "schema"},
    "__init__": {"extractor", "schema", "errors"},
}


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_imports_point_one_way(part):
    bad = {b for (a, b), _ in edges().items() if a == part and b not in ALLOWED[part]}
    assert not bad, f"{part} imports {sorted(bad)}; allowed: {sorted(ALLOWED[part])}"


def test_no_cycles_between_parts():
    graph = {}
    for (a, b) in edges():
        graph.setdefault(a, set()).add(b)

    def reach(start, seen):
        for n in graph.get(start, ()):
            if n not in seen:
                seen.add(n)
                reach(n, seen)
        return seen

    assert not [p for p in graph if p in reach(p, set())]


# the learned event layer's modules, in the order its package docstring gives: each imports only earlier ones
LEARNED_STEPS = ("context", "features", "weights", "triggers", "decoding", "assembly", "layer")


@pytest.mark.parametrize("step", LEARNED_STEPS)
def test_learned_layer_steps_import_only_earlier_steps(step):
    tree = ast.parse((ROOT / "src/sitrep_ie/events/learned" / f"{step}.py").read_text())
    siblings = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module}
    later = sorted(siblings - set(LEARNED_STEPS[:LEARNED_STEPS.index(step)]))
    assert not later, f"events/learned/{step}.py imports {later}, which come after it (or are no step)"


def test_defaults_load_outside_the_repository(tmp_path):
    # the packaged resources, not a path into the repository, give the event layer its configs
    code = ("from sitrep_ie.events.pipeline import EventLayer; from sitrep_ie.events.quantities import build_quantities; "
            "from sitrep_ie.schema import Entity; t='Sappers cleared 12 mines in Aleppo.'; "
            "e=[Entity(16,18,'QUANTITY','12',1.0),Entity(19,24,'UNIT','mines',1.0)]; L=EventLayer(); "
            "print(L.ontology.names[0], [q.unit_lemma for q, _ in build_quantities(t, e, L.normalisation, L.lexicon)])")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "demining ['mine']"
