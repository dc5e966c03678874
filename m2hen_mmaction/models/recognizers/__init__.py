"""Registered components; each module registers itself on import."""
from .ehct import EHCT  # noqa: F401
