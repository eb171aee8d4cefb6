"""`plumewatch simulate` writes a survey; bad settings give a one-line error."""

from plumewatch.cli import main
from plumewatch.io.survey import read_survey


def test_simulate_command_writes_a_readable_survey(tmp_path, capsys):
    out = tmp_path / "s"
    assert (
        main(
            [
                "simulate",
                "--out",
                str(out),
                "--seed",
                "1",
                "--passes",
                "2",
                "--lines",
                "30",
                "--samples",
                "24",
            ]
        )
        == 0
    )
    assert "survey written" in capsys.readouterr().out
    assert len(read_survey(out).flight_lines) == 2


def test_too_few_passes_is_a_user_error(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "s"), "--passes", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at least 2 passes" in err
    assert not (tmp_path / "s").exists()


def test_simulating_again_replaces_a_simulated_survey_but_not_other_files(tmp_path, capsys):
    out = tmp_path / "s"
    args = ["simulate", "--out", str(out), "--passes", "2", "--lines", "30", "--samples", "24"]
    assert main([*args, "--seed", "1"]) == 0
    first = read_survey(out).flight_lines
    assert main([*args, "--seed", "2"]) == 0
    assert read_survey(out).flight_lines != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    assert main(["simulate", "--out", str(other), "--passes", "2"]) == 1
    assert "holds other files" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "keep me"
