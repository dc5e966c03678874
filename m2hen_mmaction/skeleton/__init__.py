from .layouts import (LAYOUT_NAMES, JointLayout, check_num_joints,
                      get_layout)

__all__ = ['LAYOUT_NAMES', 'JointLayout', 'check_num_joints', 'get_layout']
