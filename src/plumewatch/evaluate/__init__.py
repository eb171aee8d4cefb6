"""Scores of any stage's output against a simulated survey's truth."""
