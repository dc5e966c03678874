"""Inference: top-k micro-gesture classes of a video (``m2hen predict``)."""
