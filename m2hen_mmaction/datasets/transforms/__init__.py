"""Registered components; each module registers itself on import."""
from .pose_heatmap import GeneratePoseHeatmap  # noqa: F401
from .joint_to_bone_layout import JointToBoneLayout  # noqa: F401
from .layout_flip import LayoutFlip  # noqa: F401
