"""The projection and the valuation read the report's kind of model; any other model is refused in one line."""
import pytest

from mc.errors import InputError
from mc.priors import load_priors
from mc.projection import load_projection_priors, project
from mc.projection.model import BASE_INPUTS, BASE_OUTPUTS, check_base_model

SHIPPED = ["priors/toy_shop.toml", "priors/video_generation.toml", "priors/provider_rental.toml",
           "priors/doubao_extended.toml"]


@pytest.mark.parametrize("path", SHIPPED)
def test_check_names_every_missing_input_and_output(path):
    priors = load_priors(path)
    model = priors.model
    missing = [n for n in BASE_INPUTS if n not in model.inputs] + [n for n in BASE_OUTPUTS if n not in model.outputs]
    assert missing  # none of these models is of the report's kind
    with pytest.raises(InputError) as caught:
        check_base_model(priors)
    assert all(name in str(caught.value) for name in missing) and path in str(caught.value)


def test_report_model_passes_and_library_project_refuses_before_drawing():
    check_base_model(load_priors("priors/base.toml"))  # no error
    with pytest.raises(InputError, match="toy_shop lacks"):
        project(load_priors("priors/toy_shop.toml"), load_projection_priors(None), [2025, 2026], 10)


@pytest.mark.parametrize("command", ["project", "value"])
def test_cli_refuses_another_model_in_one_line(cli, command):
    result = cli(command, "--draws", "1000", "priors/toy_shop.toml")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "input tokens_per_day" in result.stderr
