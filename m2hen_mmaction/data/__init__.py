"""Data sources, beside ``datasets/``: the MiG-Synth generator
(``migsynth/``), iMiGUE/MiGA release and OpenPose JSON converters
(``releases/``) and MediaPipe skeleton extraction (``extraction/``), with
what the converters share in ``common`` (report, sample errors, clips).

Nothing here is imported by ``import m2hen_mmaction``: only the CLI and the
experiment runner use it.
"""
