"""The map dashboard: static bundle (built from frontend/ into api/static/) and its own JSON layers.

``mount_dashboard(app)`` adds it to the partner API app; the browser talks only to this server.
"""

from plumewatch.api.dashboard.mount import mount_dashboard
from plumewatch.api.dashboard.settings import DashboardSettings

__all__ = ["DashboardSettings", "mount_dashboard"]
