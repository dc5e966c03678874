"""Dataset builders and converters: MiG-Synth (``data_prep.migsynth``),
iMiGUE releases and video-to-skeleton extraction."""
