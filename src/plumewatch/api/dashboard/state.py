"""What the dashboard keeps per app: its settings, the products folder and a footprint reader."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import FastAPI

from plumewatch.api.dashboard.footprints import FootprintReader
from plumewatch.api.dashboard.settings import DashboardSettings


class DashboardState:
    """Per-app dashboard state; the footprint reader opens the catalog on first use."""

    def __init__(self, url: str, settings: DashboardSettings, products_dir: Path | None):
        self.url = url
        self.settings = settings
        self.products_dir = products_dir
        self._reader: FootprintReader | None = None
        self._lock = threading.Lock()

    def footprints(self) -> FootprintReader:
        """The footprint reader of this app's catalog."""
        with self._lock:
            if self._reader is None:
                self._reader = FootprintReader(self.url)
            return self._reader

    def close(self) -> None:
        """Release the reader's database connections, if it was opened."""
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None


def dashboard_state(app: FastAPI) -> DashboardState:
    """The dashboard state ``mount_dashboard`` put on the app."""
    return app.state.dashboard
