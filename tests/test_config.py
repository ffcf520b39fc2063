import pytest

from sitrep_ie.config import TrainConfig, parse_overrides
from sitrep_ie.errors import ConfigError
from sitrep_ie.events.ontology import Ontology

from conftest import ROOT


def test_repository_config_loads():
    cfg = TrainConfig.from_yaml(ROOT / "configs" / "train.yaml")
    assert cfg.resolve_base_model().joinpath("config.json").is_file()


@pytest.mark.parametrize(
    "override, fragment",
    [({"epochs": 0, "max_steps": -1}, "epochs or max_steps"), ({"stride": 300}, "stride"), ({"learning_rate": -1}, "learning_rate"),
     ({"batch_size": "many"}, "batch_size='many'"), ({"epoch": 3}, "unknown keys ['epoch']"), ({"max_length": 4096}, "max_length"),
     ({"encoder_layers": -1}, "encoder_layers -1"), ({"precision": "fp16"}, "precision 'fp16'"),
     ({"attention_dropout": 1.5}, "attention_dropout 1.5"), ({"attention_dropout": "lots"}, "attention_dropout='lots'"),
     ({"augment_copies": -0.5}, "augment_copies -0.5"), ({"augment_copies": "half"}, "augment_copies='half'")],
)
def test_invalid_settings_are_named(override, fragment):
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        TrainConfig.from_yaml(ROOT / "configs" / "train.yaml", override)


@pytest.mark.parametrize("raw, value", [(None, None), ("none", None), ("null", None), (0, 0.0), ("0.05", 0.05)])
def test_optional_settings_take_null_or_their_type(raw, value):
    assert TrainConfig.from_dict({"attention_dropout": raw}).attention_dropout == value


def test_hub_names_are_refused():
    with pytest.raises(ConfigError, match="hub"):
        TrainConfig(base_model="bert-base-uncased").resolve_base_model()


def test_overrides_parse_yaml_scalars():
    assert parse_overrides(["epochs=2", "lenient=true", "train_files=[a.json, b.json]"]) == {
        "epochs": 2, "lenient": True, "train_files": ["a.json", "b.json"]}


def test_ontology_accepts_a_new_type_without_code():
    onto = Ontology.from_dict({"types": {"detention": {"triggers": ["detain", "arrest"], "unit_hints": ["detainee"]},
                                         "injury": {"triggers": ["hurt"], "outcome_of": ["detention"]}}})
    assert onto["detention"].trigger_matches("Police arrested 12 people") and onto["injury"].outcome_of == ("detention",)


@pytest.mark.parametrize("data", [{}, {"types": {"Bad Name": {"triggers": ["x"]}}}, {"types": {"t": {"triggers": []}}},
                                  {"types": {"t": {"triggers": ["x"], "colour": 1}}},
                                  {"types": {"t": {"triggers": ["x"], "outcome_of": ["attack"]}}}])  # no such type
def test_bad_ontologies(data):
    with pytest.raises(ConfigError):
        Ontology.from_dict(data)


@pytest.mark.parametrize("data, error", [
    # the rule assembler's keys (issue 12): saved with older models, read and ignored
    ({"scoring": {"min_score": 1.4}, "types": {"t": {"triggers": ["x"], "priority": 3}}}, None),
    ({"types": {"t": {"triggers": ["x"], "priorty": 3}}}, "unknown keys"),  # a misspelt key is still refused
    ({"scoring": {}, "weights": {}, "types": {"t": {"triggers": ["x"]}}}, "unknown top-level keys"),
])
def test_ontology_retired_keys_are_ignored_others_refused(data, error):
    if error is None:
        assert Ontology.from_dict(data).names == ["t"]
    else:
        with pytest.raises(ConfigError, match=error):
            Ontology.from_dict(data)


@pytest.mark.parametrize("key, error", [("carry_subject_openers", None), ("carry_subject_nouns", None), ("carry_subjects", "unknown keys")])
def test_lexicon_retired_keys_are_ignored_others_refused(key, error):
    from sitrep_ie.config import read_yaml, resource_path
    from sitrep_ie.events.lexicon import Lexicon

    data = read_yaml(resource_path("lexicon.yaml"))
    data["actors"][key] = ["they"]
    if error is None:
        assert key not in Lexicon.from_dict(data).words["actors"]
    else:
        with pytest.raises(ConfigError, match=error):
            Lexicon.from_dict(data)


@pytest.mark.parametrize("section, key, error", [("events", "plan_before", None), ("events", "plan_fillers", None), ("dates", "anaphoric_days", None),
                                                 ("dates", "clause_joiners", None),
                                                 ("events", "negation", "missing|must be")])
def test_lexicon_of_an_older_model_takes_added_keys_from_the_package(section, key, error):
    from sitrep_ie.config import read_yaml, resource_path
    from sitrep_ie.events.lexicon import Lexicon

    packaged = read_yaml(resource_path("lexicon.yaml"))
    data = read_yaml(resource_path("lexicon.yaml"))
    del data[section][key]
    if error is None:
        assert Lexicon.from_dict(data).words[section][key] == packaged[section][key]
    else:
        with pytest.raises(ConfigError, match=error):
            Lexicon.from_dict(data)
