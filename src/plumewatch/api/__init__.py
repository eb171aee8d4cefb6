"""HTTP service: partner API, TAXII 2.1 and the dashboard."""
