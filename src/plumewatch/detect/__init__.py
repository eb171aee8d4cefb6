"""Detection: per-pixel gas enhancement (ppm·m) and its uncertainty from radiance."""
