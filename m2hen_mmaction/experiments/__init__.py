"""Experiments: train and test Table 1's rows, fuse, score and report."""
