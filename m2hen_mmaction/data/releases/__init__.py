"""Converters from iMiGUE/MiGA releases and OpenPose JSON folders to
MMAction2 ``PoseDataset`` pickles (``m2hen prepare-imigue``): one module per
release format (``miga2025``, ``miga2023``, ``openpose_json``) around the
shared ``common`` (classes, label csv, ``ConvertOptions``, outputs),
``splits`` (cross-subject splits), ``long_videos`` (segment-labelled long
videos) and ``video`` (RGB clip cutting)."""
