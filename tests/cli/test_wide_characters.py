"""Tables stay aligned in a terminal when names and units hold wide characters (亿, 万元, 收入 take two columns)."""
import pytest

from mc.display import columns, pad


def test_columns_and_pad_count_wide_characters_twice():
    assert columns("万元/yr") == 7 and columns("收入") == 4 and columns("CNY") == 3
    assert pad("收入", 6) == "收入  " and pad("收入", 6, ">") == "  收入" and pad("收入", 3) == "收入"


def _model_files(tmp_path) -> str:
    (tmp_path / "m.toml").write_text(
        '[model]\nname = "wide"\ndescription = "d"\nsource = "s"\n'
        '[inputs."收入"]\nunit = "CNY"\ndomain = "(0, inf)"\ndescription = "d"\n'
        '[inputs.cost]\nunit = "CNY"\ndomain = "(0, inf)"\ndescription = "d"\n'
        '[outputs."利润"]\nformula = "收入 - cost"\nunit = "CNY"\ndisplay = "万 CNY"\nlabel = "万元"\n'
        '[outputs.margin]\nformula = "(收入 - cost) / 收入"\nunit = "dimensionless"\n')
    (tmp_path / "p.toml").write_text(
        '[meta]\nmodel = "m.toml"\nname = "wide"\ndescription = "d"\n'
        '[assumptions."收入"]\nfamily = "lognormal"\np5 = 1e5\np95 = 3e5\nunit = "CNY"\nsource = "s"\n'
        '[assumptions.cost]\nfamily = "uniform"\nlow = 5e4\nhigh = 1e5\nunit = "CNY"\nsource = "s"\n')
    return str(tmp_path / "p.toml")


def _table(stdout: str, first: str) -> list[str]:
    """The lines of the table whose header starts with `first`, up to the blank line after it."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first + " "))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


@pytest.mark.parametrize("command, first", [("run", "output"), ("tails", "input"), ("sensitivity", "input")])
def test_every_row_of_a_table_is_as_wide_as_its_header(tmp_path, cli, command, first):
    extra = ["--no-sobol"] if command == "sensitivity" else []
    result = cli(command, "--draws", "3000", *extra, _model_files(tmp_path))
    assert result.returncode == 0, result.stderr
    table = _table(result.stdout, first)
    assert len(table) >= 2 and any(columns(line) > len(line) for line in table)  # wide characters in rows
    assert {columns(line.rstrip()) for line in table} == {columns(table[0].rstrip())}
