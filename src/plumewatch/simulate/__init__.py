"""Synthetic surveys with known truth, made by the same physics as detection."""
