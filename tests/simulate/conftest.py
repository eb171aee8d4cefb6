"""A tiny simulated survey shared by the simulator tests (2 passes of 40 x 30 pixels)."""

import pytest

from plumewatch.simulate.survey import simulate_survey

TINY = {"seed": 3, "n_passes": 2, "lines": 40, "samples": 30}


@pytest.fixture(scope="session")
def tiny_survey(tmp_path_factory):
    """Path of the survey.json of a tiny AVIRIS-NG survey."""
    return simulate_survey(tmp_path_factory.mktemp("tiny") / "survey", **TINY)
