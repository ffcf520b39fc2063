"""Name-swap augmentation of the tagger's training reports (model/train.py ``augment``)."""

import pytest

from sitrep_ie.data.document import Document, Span
from sitrep_ie.model.train import augment


def _docs(n: int) -> list[Document]:
    out = []
    for k in range(n):
        text = f"Teams of Group{k} cleared {k} mines in Town{k}."
        a, p = text.index(f"Group{k}"), text.index(f"Town{k}")
        out.append(Document(k, text, [Span(a, a + len(f"Group{k}"), "ACTOR"), Span(p, p + len(f"Town{k}"), "PLACE")], {}))
    return out


@pytest.mark.parametrize("copies, expected", [(0, 0), (0.5, 10), (0.25, 5), (1, 20), (1.5, 30), (2, 40)])
def test_a_fraction_copies_that_share_of_the_reports(copies, expected):
    out = augment(_docs(20), copies, seed=3)
    assert len(out) == expected
    assert len({(d.meta["augmented_from"], d.meta["augmentation"]) for d in out}) == expected  # no report copied twice in one round


def test_the_share_leaves_the_whole_copies_as_they_were():
    docs = _docs(20)
    whole, more = augment(docs, 1, seed=3), augment(docs, 1.5, seed=3)
    assert [(d.text, d.spans) for d in more[:20]] == [(d.text, d.spans) for d in whole]
    assert {d.meta["augmentation"] for d in more[20:]} == {2}


def test_copies_swap_names_and_keep_their_spans_on_the_new_names():
    for d in augment(_docs(20), 0.5, seed=3):
        assert [s.label for s in d.spans] == ["ACTOR", "PLACE"]
        assert d.text[d.spans[0].start:d.spans[0].end].startswith("Group") and d.text[d.spans[1].start:d.spans[1].end].startswith("Town")
    assert augment(_docs(20), 0.5, seed=3) != augment(_docs(20), 0.5, seed=4)  # the share is drawn with the seed
