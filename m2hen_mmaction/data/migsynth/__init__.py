"""MiG-Synth: procedurally animated micro-gestures (``m2hen synth``).

``generate`` builds the dataset from ``body`` (skeleton and its motion),
``gestures`` (one animation per class) and ``render`` (RGB videos).
"""
