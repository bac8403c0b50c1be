"""Priors files: the shipped ones load; every bad file gives one clear line, exit 2, no output."""
import math

import pytest

from mc.errors import InputError
from mc.priors import Priors, default_priors_path, load_priors, priors_from_dict
from mc.report import report_priors_path
from tests.conftest import FIXTURES, ROOT

BAD = FIXTURES / "bad_priors"

# fixture -> (field named in the message, words of the problem)
EXPECTED = {
    "toml_syntax": ("", "not valid TOML"),
    "empty": ("", "file is empty"),
    "not_utf8": ("", "cannot read"),
    "unknown_family": ("paid_share", "unknown family 'weibull'"),
    "family_list": ("paid_share", "unknown family ['beta']"),  # a list is not a family name (was a TypeError)
    "unknown_assumption": ("gpu_colour", "unknown assumption"),
    "missing_parameter": ("price_cny_per_m_tokens", "missing parameter 'sigma'"),
    "extra_parameter": ("price_cny_per_m_tokens", "unexpected parameter 'mean'"),
    "share_above_one": ("paid_share", "outside (0, 1]"),
    "negative_price": ("price_cny_per_m_tokens", "outside (0, inf)"),
    "zero_flops": ("gpu_tflops", "outside (0, inf)"),
    "zero_depreciation": ("depreciation_years", "outside (0, inf)"),
    "p95_below_p5": ("utilization", "p95 (0.3) must be above p5 (0.6)"),
    "lower_not_below_upper": ("gpu_price_cny", "lower (200000) must be below upper (100000)"),
    "nan_value": ("peak_to_avg", "must be finite"),
    "inf_value": ("active_params", "must be finite"),
    "missing_assumption": ("depreciation_years", "missing assumption"),
    "normal_price_negative_mass": ("price_cny_per_m_tokens", "outside (0, inf)"),
    "params_and_percentiles": ("price_cny_per_m_tokens", "either parameters or two percentiles"),
    "string_parameter": ("utilization", "must be a number"),
    "beta_nonpositive_alpha": ("utilization", "alpha must be positive"),
    "peak_below_one": ("peak_to_avg", "outside [1, inf)"),
    "unit_mismatch": ("gpu_price_cny", "does not match"),
    "choice_weights_mismatch": ("gpu_tflops", "one entry per value"),
    "correlation_unknown_input": ("correlation", "'gpu_colour' is not an assumption"),
}


def test_every_fixture_has_an_expectation():
    assert {p.stem for p in BAD.glob("*.toml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_raises_input_error_naming_file_and_field(name):
    field, words = EXPECTED[name]
    with pytest.raises(InputError) as err:
        load_priors(BAD / f"{name}.toml")
    message = str(err.value)
    assert f"{name}.toml" in message and field in message and words in message
    assert "\n" not in message


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_bad_file_exit_2_one_line_no_output(name, cli, tmp_path):
    out = tmp_path / "table.csv"
    res = cli("run", BAD / f"{name}.toml", "--draws", "100", "--out", out)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mc: error: ") and f"{name}.toml" in lines[0]
    assert "Traceback" not in res.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_missing_file(cli, tmp_path):
    res = cli("run", tmp_path / "nope.toml")
    assert res.returncode == 2 and "file not found" in res.stderr


def test_shipped_priors_load_with_sources():
    for path in (default_priors_path(), report_priors_path()):
        priors = load_priors(path)
        assert isinstance(priors, Priors)
        assert all(a.source for a in priors.assumptions.values()), path


def test_base_priors_centre_on_the_report():
    base, report = load_priors(), load_priors(report_priors_path())
    for name in ("active_params", "price_cny_per_m_tokens", "utilization"):
        point = report[name].distribution.params["value"]
        assert base[name].distribution.median() == pytest.approx(point, rel=0.03), name


def test_solved_parameters_are_recorded_and_round_trip():
    priors = load_priors()
    d = priors.to_dict()
    price = d["assumptions"]["price_cny_per_m_tokens"]
    assert price["elicited"] == {"p5": 0.9, "p95": 2.5}
    assert price["median"] == pytest.approx(1.5, rel=1e-12)
    # the recorded form (parameters, without the percentiles) loads to the same priors
    for table in d["assumptions"].values():
        table.pop("elicited", None)
    again = priors_from_dict(d, origin=priors.origin)
    for name in priors.names:
        assert again[name].distribution == priors[name].distribution, name


def test_hash_depends_on_content_not_path():
    a = load_priors()
    b = a.with_fixed("paid_share", 0.3)
    assert a.hash != b.hash and len(a.hash) == 64
    assert load_priors(ROOT / "priors" / "base.toml").hash == a.hash


def test_with_fixed_validates_domain():
    with pytest.raises(InputError, match="paid_share"):
        load_priors().with_fixed("paid_share", 1.5)
    with pytest.raises(InputError, match="must be finite"):
        load_priors().with_fixed("tokens_per_day", math.inf)


def test_correlation_block_parsed():
    data = load_priors().to_dict()
    data["correlation"] = {"pairs": [["price_cny_per_m_tokens", "paid_share", -0.3]]}
    priors = priors_from_dict(data)
    assert priors.correlation.pairs == (("price_cny_per_m_tokens", "paid_share", -0.3),)
    data["correlation"] = {"pairs": [["price_cny_per_m_tokens", "paid_share", 1.3]]}
    with pytest.raises(InputError, match="strictly between -1 and 1"):
        priors_from_dict(data)
