"""Site catalog: association of plumes across overflights, status, alerts and storage."""
