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


def test_shipped_data_holds_the_announcements_with_their_kinds(shipped_data):
    assert shipped_data.dates[:4] == (date(2024, 5, 15), date(2024, 7, 25), date(2024, 9, 24), date(2024, 12, 18))
    assert len(shipped_data) == 9 and shipped_data.dates[-1] == date(2026, 6, 23)
    np.testing.assert_array_equal(shipped_data.tokens_per_day[[0, 1, 3]], [1.2e11, 5.0e11, 4.0e12])
    assert shipped_data.kinds[0] == "point"  # the launch figure is a stated daily average
    assert set(shipped_data.kinds[1:]) == {"lower_bound"}
    assert shipped_data.start == date(2024, 5, 15) and shipped_data.years_since_launch[0] == 0.0
    assert shipped_data.note == "" and all(s.strip() for s in shipped_data.sources)


def test_old_three_column_file_loads_with_every_row_a_lower_bound_and_a_note(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("date,tokens_per_day,source\n2024-05-15,1.2e11,a\n2024-12-18,4e12,b\n", encoding="utf-8")
    data = load_token_usage(path)
    assert data.kinds == ("lower_bound", "lower_bound") and "lower bound" in data.note


def test_time_zero_is_the_series_own_start(tmp_path):
    later = tmp_path / "later.csv"
    later.write_text("date,tokens_per_day,kind,source\n2025-03-01,1e9,point,a\n2025-09-01,4e9,lower_bound,b\n",
                     encoding="utf-8")
    data = load_token_usage(later)
    assert data.start == date(2025, 3, 1)
    np.testing.assert_allclose(data.years_since_launch, [0.0, 184 / 365.25])
    declared = tmp_path / "declared.csv"
    declared.write_text("# launch_date: 2025-01-01\ndate,tokens_per_day,kind,source\n2025-03-01,1e9,point,a\n"
                        "2025-09-01,4e9,lower_bound,b\n", encoding="utf-8")
    data = load_token_usage(declared)
    assert data.start == date(2025, 1, 1) and data.years_since_launch[0] == pytest.approx(59 / 365.25)
    assert data.until(date(2025, 4, 1)).start == date(2025, 1, 1)  # a backtest keeps the series' time zero


def test_point_and_lower_bound_rows_are_read_differently(shipped_priors, tmp_path):
    from mc.growth.model import POINT_SD_LOG10, observation_floor, observation_offset

    path = tmp_path / "mixed.csv"
    path.write_text("date,tokens_per_day,kind,source\n2025-01-01,1e9,point,a\n2025-06-01,4e9,lower_bound,b\n",
                    encoding="utf-8")
    data = load_token_usage(path)
    np.testing.assert_array_equal(data.is_lower_bound, [False, True])
    np.testing.assert_allclose(observation_offset(data, shipped_priors), [0.0, shipped_priors.rounding_offset_log10])
    np.testing.assert_allclose(observation_floor(data, shipped_priors), [POINT_SD_LOG10, shipped_priors.rounding_sd_log10])
    # a "more than X" figure sits below the truth: mean of log10(1 + u), u ~ U(0, 0.25)
    assert shipped_priors.rounding_offset_log10 == pytest.approx(np.log10(1 + np.linspace(0, 0.25, 100001)).mean(),
                                                                 rel=1e-4)


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
    ("wrong_header.csv", "header", "expected 'date,tokens_per_day,kind,source'"),
    ("future_row.csv", "row 2 (2099-01-01)", "dated in the future"),
    ("before_launch.csv", "row 1 (2024-01-01)", "before the declared launch_date 2024-05-15"),
    ("bad_kind.csv", "row 2 (2024-07-25)", "kind 'about' must be 'point'"),
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
    from mc.growth.curves import LEVEL_DIFFUSION_PRIOR, RATE_DIFFUSION_PRIOR

    for spec in (LAUNCH_PRIOR, MISFIT_PRIOR, LEVEL_DIFFUSION_PRIOR, RATE_DIFFUSION_PRIOR):
        shipped = shipped_priors.shared[spec.name]
        assert (shipped.dist, dict(shipped.params), shipped.relative_to) == (spec.dist, dict(spec.params),
                                                                            spec.relative_to)
        assert shipped.reason and shipped.source
    for name, curve in CURVES.items():
        for param, spec in curve.default_priors.items():
            shipped = shipped_priors.curves[name][param]
            assert (shipped.dist, dict(shipped.params), shipped.relative_to) == (
                spec.dist, dict(spec.params), spec.relative_to), (name, param)
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
    ("priors_dist_list.toml", "exponential.growth_rate_per_year.dist", "['normal'] is not one of"),
    ("priors_negative_sigma.toml", "logistic.log10_ceiling_tokens_per_day.sigma", "must be positive"),
    ("priors_syntax.toml", "", "not valid TOML"),
    ("priors_missing_section.toml", "decaying", "missing section"),
    ("priors_unknown_key.toml", "shared.log10_launch_tokens_per_day.mean", "unknown key"),
    ("priors_no_reason.toml", "exponential.growth_rate_per_year.reason", "non-empty reason"),
    ("priors_no_bound.toml", "bound", "missing section [bound]"),
    ("priors_bad_relative.toml", "shared.log10_launch_tokens_per_day.relative_to", "'launch' is not one of"),
])
def test_bad_priors_files_name_the_key(name, field, words):
    with pytest.raises(InputError) as info:
        load_growth_priors(FIXTURES / name)
    assert info.value.field.startswith(field) if field else info.value.field == ""
    assert words in info.value.problem


def test_shipped_bound_is_stated_with_source_and_reasoning(shipped_priors):
    assert shipped_priors.max_log10_tokens_per_day == pytest.approx(np.log10(8.1e9 * 1e6), abs=0.01)
    assert "population" in shipped_priors.bound_text["reason"] and shipped_priors.bound_text["source"]


def test_relative_priors_are_offsets_from_the_rows():
    spec = CURVES["gompertz"].default_priors["log10_ceiling_tokens_per_day"]
    assert spec.relative_to == "last_row"
    assert spec.from_standard_normal(0.0, np, anchor=13.0) == pytest.approx(13.0 + spec.params["mu"])
    growth = CURVES["exponential"].default_priors["growth_rate_per_year"]
    assert growth.from_standard_normal(0.0, np, anchor=13.0) == growth.params["median"]  # not relative


@pytest.mark.parametrize("table, words", [
    ({"rate_damping_per_year": -0.5, "reason": "r", "source": "s"}, "must be a number in [0, 20]"),
    ({"rate_damping_per_year": True, "reason": "r", "source": "s"}, "must be a number in [0, 20]"),
    ({"rate_damping_per_year": 1.0, "reason": "r", "source": "s", "extra": 1}, "unknown key"),
    ({"rate_damping_per_year": 1.0, "source": "s"}, "reason"),
    ("fast", "must be a table"),
])
def test_deviation_section_is_validated(table, words):
    from mc.growth.priors import load_growth_priors, priors_from_dict

    document = load_growth_priors().to_dict()
    document["deviation"] = table
    with pytest.raises(InputError) as err:
        priors_from_dict(document, source="p.toml")
    assert "p.toml" in str(err.value) and "deviation" in str(err.value) and words in str(err.value)


def test_deviation_section_is_optional_and_read():
    from mc.growth.priors import DEFAULT_RATE_DAMPING, load_growth_priors, priors_from_dict

    document = load_growth_priors().to_dict()
    assert load_growth_priors().rate_damping_per_year == document["deviation"]["rate_damping_per_year"] == 1.0
    document["deviation"]["rate_damping_per_year"] = 0.25
    assert priors_from_dict(document).rate_damping_per_year == 0.25
    del document["deviation"]
    assert priors_from_dict(document).rate_damping_per_year == DEFAULT_RATE_DAMPING
