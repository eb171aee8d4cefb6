"""The command line: version, help on every subcommand, one-line errors for bad input."""

import subprocess
import sys

import pytest

from plumewatch import __version__
from plumewatch.cli import build_parser, main

SUBCOMMANDS = [
    "demo",
    "simulate",
    "detect",
    "process",
    "sites",
    "evaluate",
    "inspect",
    "partners",
    "share",
    "serve",
    "audit-log",
    "plan",
    "airspace",
    "georef",
]


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "plumewatch", *args], capture_output=True, text=True, timeout=120
    )


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"plumewatch {__version__}"


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert command in capsys.readouterr().out


def test_parser_knows_every_subcommand():
    choices = build_parser()._subparsers._group_actions[0].choices
    assert sorted(choices) == sorted(SUBCOMMANDS)


@pytest.mark.parametrize(
    "args",
    [
        ["detect", "{missing}", "--gas", "ch4", "--out", "{out}"],
        ["inspect", "{missing}"],
        ["process", "{missing}", "--db", "sqlite:///{out}/c.sqlite"],
    ],
)
def test_missing_file_is_one_line_error(args, tmp_path):
    missing = tmp_path / "no_such_rdn.hdr"
    filled = [a.format(missing=missing, out=tmp_path / "out") for a in args]
    result = run_cli(*filled)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no_such_rdn" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
