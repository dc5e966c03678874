from .graphs import graph_layout
from .layouts import (LAYOUT_NAMES, JointLayout, check_num_joints,
                      get_layout)

__all__ = ['LAYOUT_NAMES', 'JointLayout', 'check_num_joints', 'get_layout',
           'graph_layout']
