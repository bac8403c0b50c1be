"""Loading and validating the token-usage CSV and the growth priors."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from mc.errors import InputError
from mc.growth.curves import CURVES, LAUNCH_PRIOR, MISFIT_PRIOR
from mc.growth.data import load_token_usage
from mc.growth.priors import load_growth_priors, priors_from_dict, rounding_moments_log10

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_shipped_data_holds_the_three_announcements(shipped_data):
    assert shipped_data.dates == (date(2024, 5, 15), date(2024, 7, 25), date(2024, 12, 18))
    np.testing.assert_array_equal(shipped_data.tokens_per_day, [1.2e11, 5.0e11, 4.0e12])
    assert shipped_data.years_since_launch[0] == 0.0


def test_rows_are_sorted_by_date(tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text("date,tokens_per_day,source\n2024-12-18,4e12,b\n2024-05-15,1.2e11,a\n", encoding="utf-8")
    assert load_token_usage(path).dates == (date(2024, 5, 15), date(2024, 12, 18))


@pytest.mark.parametrize("name, field, words", [
    ("bad_date.csv", "row 2 (2024-13-01)", "not an ISO date"),
    ("negative_value.csv", "row 2 (2024-07-25)", "positive finite"),
    ("nan_value.csv", "row 2 (2024-07-25)", "positive finite"),
    ("text_value.csv", "row 2 (2024-07-25)", "not a number"),
    ("duplicate_date.csv", "row 3 (2024-07-25)", "duplicate date"),
    ("wrong_header.csv", "header", "expected 'date,tokens_per_day,source'"),
    ("one_row.csv", "rows", "at least 2"),
    ("not_utf8.csv", "", "not UTF-8"),
])
def test_bad_data_files_name_the_row_and_problem(name, field, words):
    with pytest.raises(InputError) as info:
        load_token_usage(FIXTURES / name)
    assert info.value.field == field
    assert words in info.value.problem
    assert name in str(info.value)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the file"):
        load_token_usage(tmp_path / "absent.csv")


def test_shipped_priors_match_the_curves_defaults(shipped_priors):
    assert shipped_priors.shared["log10_launch_tokens_per_day"].params == LAUNCH_PRIOR.params
    assert shipped_priors.shared["misfit_log10"].params == MISFIT_PRIOR.params
    for name, curve in CURVES.items():
        for param, spec in curve.default_priors.items():
            shipped = shipped_priors.curves[name][param]
            assert (shipped.dist, dict(shipped.params)) == (spec.dist, dict(spec.params)), (name, param)
            assert shipped.reason and shipped.source


def test_priors_round_trip_through_to_dict(shipped_priors):
    again = priors_from_dict(shipped_priors.to_dict(), source="round trip")
    assert again.to_dict() == shipped_priors.to_dict()
    assert again.content_hash() == shipped_priors.content_hash()


def test_rounding_moments_of_a_25_percent_range():
    mean, sd = rounding_moments_log10(0.25)
    u = np.linspace(0, 0.25, 200001)
    assert mean == pytest.approx(np.log10(1 + u).mean(), rel=1e-4)
    assert sd == pytest.approx(np.log10(1.25) / np.sqrt(12), rel=0.02)


@pytest.mark.parametrize("name, field, words", [
    ("priors_bad_dist.toml", "exponential.growth_rate_per_year.dist", "'cauchy' is not one of"),
    ("priors_negative_sigma.toml", "logistic.log10_ceiling_tokens_per_day.sigma", "must be positive"),
    ("priors_syntax.toml", "", "not valid TOML"),
    ("priors_missing_section.toml", "decaying", "missing section"),
    ("priors_unknown_key.toml", "shared.log10_launch_tokens_per_day.mean", "unknown key"),
    ("priors_no_reason.toml", "exponential.growth_rate_per_year.reason", "non-empty reason"),
])
def test_bad_priors_files_name_the_key(name, field, words):
    with pytest.raises(InputError) as info:
        load_growth_priors(FIXTURES / name)
    assert info.value.field.startswith(field) if field else info.value.field == ""
    assert words in info.value.problem
