from . import transforms  # noqa: F401
from .part_grouped_dataset import PartGroupedPoseDataset  # noqa: F401
from .micro_gesture_dataset import MicroGesturePoseDataset  # noqa: F401
