"""A model's own base units (``[model] base_units``) must be known wherever its units are read again.

mc.priors.units_agree and mc.report._factor parse units with the model's registry (its base units
included): an equal unit spelled differently in a priors file, and a [[printed]] figure of an output whose
unit uses a model's base unit, are accepted.
"""
import shutil
from pathlib import Path

import pytest

from mc.errors import InputError
from mc.priors import load_priors
from mc.report import reproduce

ROOT = Path(__file__).resolve().parents[2]
BASE_UNIT_BUG = "mc.priors.units_agree / mc.report._factor parse units without the model's base_units"


def _copy_video_priors(tmp_path, replace=("", ""), extra=""):
    shutil.copy(ROOT / "models" / "video_generation.toml", tmp_path / "video_generation.toml")
    text = (ROOT / "priors" / "video_generation.toml").read_text(encoding="utf-8")
    text = text.replace('model = "video_generation"', 'model = "video_generation.toml"').replace(*replace)
    path = tmp_path / "priors.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_the_same_spelling_of_a_base_unit_is_accepted(tmp_path):
    priors = load_priors(_copy_video_priors(tmp_path))
    assert priors["video_s_per_user_day"].unit == "video_s/(user*day)"


def test_an_equal_unit_spelled_differently_is_accepted(tmp_path):
    path = _copy_video_priors(tmp_path, ('unit = "video_s/(user*day)"', 'unit = "video_s / user / day"'))
    assert load_priors(path)["video_s_per_user_day"].distribution.params["value"] == 120


def test_a_printed_figure_in_a_model_base_unit(tmp_path):
    extra = ('\n[[printed]]\noutput = "gpu_s_per_video_s"\nvalue = "1.41"\n'
             'source = "derived in models/video_generation.toml"\n')
    table = reproduce(_copy_video_priors(tmp_path, extra=extra))
    assert table["matches"].all() and list(table["output"]) == ["gpus", "gpu_s_per_video_s"]
