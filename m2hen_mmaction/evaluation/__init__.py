"""Registered components; each module registers itself on import."""
from .metrics import MicroGestureMetric  # noqa: F401
