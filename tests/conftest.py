"""Shared fixtures: a clean environment for every test."""

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_plumewatch_env(monkeypatch, tmp_path):
    """No PLUMEWATCH_* variable leaks in from the caller; the default catalog lives in tmp_path."""
    for name in list(os.environ):
        if name.startswith("PLUMEWATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
