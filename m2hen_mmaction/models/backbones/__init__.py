"""Registered components; each module registers itself on import."""
from .res2net3d import Bottle2neck3d, Res2Net3d, Res2Net3dSlowOnly  # noqa: F401
from .hypergraph_transformer import HypergraphTransformer  # noqa: F401
from .rgbpose_res2net3d import RGBPoseRes2Net3d  # noqa: F401
from .layout_stgcn import LayoutSTGCN  # noqa: F401
