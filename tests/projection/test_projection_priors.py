"""The projection priors file: the shipped one loads; each bad file names its field."""
import pytest

from mc.errors import InputError
from mc.projection import PROJECTION_INPUTS, has_power, load_projection_priors

# file -> (field named in the error, words of the problem)
BAD = {
    "missing_discount_rate.toml": ("discount_rate", "missing assumption"),
    "power_without_pue.toml": ("pue", "power cost needs all of"),
    "unknown_assumption.toml": ("wacc", "unknown assumption"),
    "discount_normal_unbounded.toml": ("discount_rate", "outside"),
    "unit_mismatch.toml": ("discount_rate", "does not match"),
    "percentiles_reversed.toml": ("discount_rate", "must be above"),
    "pue_below_one.toml": ("pue", "outside"),
    "toml_syntax.toml": ("", "not valid TOML"),
    "string_value.toml": ("discount_rate.value", "must be a number"),
}


def test_shipped_file_loads_with_sources():
    priors = load_projection_priors()
    assert set(priors.names) == set(PROJECTION_INPUTS)
    assert has_power(priors)
    assert all(priors[n].source for n in priors.names)
    assert priors.meta["as_of"]
    # the percentiles given are reproduced by the solved distribution
    a = priors["start_tokens_per_day"]
    assert a.distribution.ppf(0.05) == pytest.approx(a.elicited["p5"], rel=1e-9)


def test_minimal_file_defaults_persistence_and_has_no_power(fixtures_dir):
    priors = load_projection_priors(fixtures_dir / "good_minimal.toml")
    assert priors["growth_persistence"].distribution.params["value"] == 1.0
    assert not has_power(priors)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_raises_input_error_naming_file_and_field(fixtures_dir, name):
    field, words = BAD[name]
    path = fixtures_dir / "bad" / name
    with pytest.raises(InputError) as info:
        load_projection_priors(path)
    assert info.value.source == str(path)
    assert info.value.field == field
    assert words in info.value.problem


def test_every_bad_fixture_is_covered(fixtures_dir):
    assert {p.name for p in (fixtures_dir / "bad").glob("*.toml")} == set(BAD)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_projection_priors(tmp_path / "nope.toml")
