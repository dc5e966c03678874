"""Registered components; each module registers itself on import."""
from .pose_heatmap_preprocessor import PoseHeatmapPreprocessor  # noqa: F401
