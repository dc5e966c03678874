"""``--device`` for the benchmarks: refused in one line where unusable."""
import argparse


def check_device(parser: argparse.ArgumentParser, device: str) -> None:
    """Exit with a usage error (status 2) if ``device`` is a CUDA device
    and torch sees none, before any model is built."""
    import torch
    if device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {device}: no CUDA device is visible to torch '
                     '(run on a GPU machine, or drop --device).')
