"""Regulatory regimes and the obligations controls serve."""
