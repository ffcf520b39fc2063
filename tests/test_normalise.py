import pytest

from sitrep_ie.events.quantities import default_config, find_qualifier, normalise_measure, parse_number, unit_lemma

CFG = default_config()


@pytest.mark.parametrize(
    "text, value",
    [("275", 275), ("1.7", 1.7), ("2,931", 2931), ("70 522", 70522), ("70\u202f522", 70522), ("four", 4), ("ten", 10),
     ("thirty-six", 36), ("1.5 million", 1_500_000), ("two thousand", 2000), ("a dozen", 12), ("dozen", 12),
     ("one hundred and twenty", 120), ("3 million", 3_000_000), ("2.931.000", 2_931_000), ("twenty-one", 21),
     ("half a dozen", 6), ("1,200,000", 1_200_000)],
)
def test_numbers(text, value):
    assert parse_number(text, CFG) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "hundreds", "dozens of", "several", "M5"])
def test_non_numbers(text):
    assert parse_number(text, CFG) is None


@pytest.mark.parametrize(
    "value, unit, expected",
    [(1.7, "tonnes", {"value": 1700, "unit": "kg"}), (3, "tons", {"value": 3000, "unit": "kg"}), (12, "MT", {"value": 12000, "unit": "kg"}),
     (4, "kilometers", {"value": 4, "unit": "km"}), (500, "metres", {"value": 0.5, "unit": "km"}),
     (2.5, "hectares", {"value": 25000, "unit": "m2"}), (3, "sq km", {"value": 3_000_000, "unit": "m2"}), (37, "sq.m", {"value": 37, "unit": "m2"}),
     (120, "square metres", {"value": 120, "unit": "m2"}), (5000, "litres", {"value": 5000, "unit": "L"}),
     (26, "people", None), (12, "food sets", None), (3, "bars", None), (4, "kits", None), (2, None, None)],
)
def test_measures_are_normalised_counted_nouns_are_not(value, unit, expected):
    assert normalise_measure(value, unit, CFG) == expected


@pytest.mark.parametrize(
    "unit, lemma",
    [("explosive devices", "explosive device"), ("people", "person"), ("children", "child"), ("families", "family"),
     ("tonnes", "tonne"), ("food sets", "food set"), ("IDPs", "idp"), ("Hectares", "hectare")],
)
def test_unit_lemmas(unit, lemma):
    assert unit_lemma(unit) == lemma


@pytest.mark.parametrize(
    "before, q",
    [("delivered more than", "more than"), ("some", "some"), ("killing at least", "at least"), ("treated about", "about"),
     ("up to", "up to"), ("a total of", None), ("cleared", None), ("moreover", None), ("(nearly", "nearly")],
)
def test_qualifiers(before, q):
    assert find_qualifier(before, CFG) == q
