"""MediaPipe Holistic skeletons in OpenPose-137 order (``m2hen extract``)."""
