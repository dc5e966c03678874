"""Registered components; each module registers itself on import."""
from .patched_rgbpose_head import PatchedRGBPoseHead  # noqa: F401
from .rgbpose_fusion_head import RGBPoseFusionHead  # noqa: F401
from .ehct_head import EHCTHead  # noqa: F401
