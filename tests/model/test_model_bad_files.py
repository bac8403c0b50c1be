"""Every bad model or priors file in tests/model/fixtures/bad gives one InputError naming the file and the
output or input at fault, and `mc run` turns it into one line on stderr, exit 2 and no output file."""
from pathlib import Path

import pytest

from mc.cli import main
from mc.errors import InputError
from mc.model import load_model
from mc.priors import load_priors

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"

# fixture -> (the field the error names, words its message must contain)
BAD_MODELS = {
    "syntax_error.toml": ("outputs.revenue", ["syntax error", "price * (volume"]),
    "unknown_name.toml": ("outputs.revenue", ["unknown name 'volumes'"]),
    "cycle.toml": ("outputs.gross", ["cycle", "gross -> net -> gross"]),
    "unit_per_day_as_year.toml": ("outputs.revenue_per_year", ["declared in", "a factor of 365.25",
                                                              "conversion constant"]),
    "unit_million_missing.toml": ("outputs.revenue_cny_per_day", ["declared in", "a factor of 1e-06"]),
    "unit_flops_tflops.toml": ("outputs.gpus", ["FLOPS", "teraFLOPS", "a factor of 1e-12"]),
    "unit_flops_plus_tflops.toml": ("outputs.total_flops", ["'+' mixes FLOPS and teraFLOPS"]),
    "unknown_unit.toml": ("inputs.price", ["unknown unit 'CNY/tokn'"]),
    "no_formula.toml": ("outputs.revenue", ["no formula"]),
    "function_not_allowed.toml": ("outputs.revenue", ["function 'sin' is not allowed"]),
    "attribute.toml": ("outputs.revenue", ["attribute access"]),
    "subscript.toml": ("outputs.revenue", ["subscripts"]),
    "lambda.toml": ("outputs.revenue", ["lambdas"]),
    "comprehension.toml": ("outputs.revenue", ["comprehensions"]),
    "string.toml": ("outputs.revenue", ["only numbers are allowed", "'two'"]),
    "import.toml": ("outputs.revenue", ["function '__import__' is not allowed"]),
    "keyword_args.toml": ("outputs.revenue", ["no keyword arguments"]),
}
BAD_PRIORS = {
    "priors_extra_input.toml": ("priors_extra_input.toml", "tokens_per_day", ["the model has no such input"]),
    "priors_missing_input.toml": ("priors_missing_input.toml", "tax_rate", ["missing assumption", "toy_shop"]),
    "priors_bad_model.toml": ("cycle.toml", "outputs.gross", ["cycle"]),
}


def test_every_fixture_is_listed():
    assert {p.name for p in BAD.glob("*.toml")} == set(BAD_MODELS) | set(BAD_PRIORS)


@pytest.mark.parametrize("fixture", sorted(BAD_MODELS))
def test_bad_model_file_names_file_field_and_problem(fixture):
    field, words = BAD_MODELS[fixture]
    with pytest.raises(InputError) as caught:
        load_model(BAD / fixture)
    error = caught.value
    assert Path(error.source).name == fixture and error.field == field
    for word in words:
        assert word in error.problem, (word, str(error))
    assert "\n" not in str(error)


@pytest.mark.parametrize("fixture", sorted(BAD_PRIORS))
def test_bad_priors_file_names_file_input_and_problem(fixture):
    source, field, words = BAD_PRIORS[fixture]
    with pytest.raises(InputError) as caught:
        load_priors(BAD / fixture)
    error = caught.value
    assert Path(error.source).name == source and error.field == field
    assert all(word in error.problem for word in words), str(error)


def test_a_missing_model_is_named(tmp_path):
    priors = tmp_path / "p.toml"
    priors.write_text('[meta]\nmodel = "no_such_model"\n[assumptions.x]\nfamily = "fixed"\nvalue = 1\n')
    with pytest.raises(InputError, match="not found") as caught:
        load_priors(priors)
    assert caught.value.field == "meta.model"


def _priors_naming(model: Path, folder: Path) -> Path:
    path = folder / f"priors_{model.stem}.toml"
    path.write_text(f'[meta]\nmodel = "{model.as_posix()}"\n\n[assumptions.price]\nfamily = "fixed"\nvalue = 1\n')
    return path


@pytest.mark.parametrize("fixture", sorted(BAD_MODELS))
def test_mc_run_on_a_bad_model_is_one_line_exit_2_and_no_file(fixture, tmp_path, capsys):
    out = tmp_path / "table.csv"
    priors = _priors_naming(BAD / fixture, tmp_path)
    assert main(["run", str(priors), "--draws", "1000", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and fixture in lines[0] and BAD_MODELS[fixture][0] in lines[0], captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [priors.name]


@pytest.mark.parametrize("fixture", sorted(BAD_PRIORS))
def test_mc_run_on_bad_priors_is_one_line_exit_2_and_no_file(fixture, tmp_path, capsys):
    out = tmp_path / "table.csv"
    assert main(["run", str(BAD / fixture), "--draws", "1000", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and BAD_PRIORS[fixture][1] in lines[0], captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_mc_run_on_a_bad_model_in_a_subprocess(tmp_path, cli):
    """The same through the installed entry point: one line, exit 2, no traceback, no file."""
    out = tmp_path / "table.csv"
    res = cli("run", BAD / "priors_bad_model.toml", "--draws", "1000", "--out", out)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [res.stderr.strip()] and "gross -> net -> gross" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    assert not out.exists() and list(tmp_path.iterdir()) == []
