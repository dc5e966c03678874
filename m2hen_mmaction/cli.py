"""The ``m2hen`` command: data, training wrappers, ensembles, benchmarks.

Run ``m2hen <command> --help`` for each command's options.
"""
import argparse
import sys
from typing import Callable, Dict, List, Optional

Handler = Callable[[argparse.Namespace], int]
COMMANDS: Dict[str, Handler] = {}


def command(name: str):
    """Register ``func`` as the handler of ``m2hen <name>``."""

    def register(func: Handler) -> Handler:
        COMMANDS[name] = func
        return func

    return register


def _add_synth(sub) -> None:
    p = sub.add_parser('synth', help='build the MiG-Synth dataset')
    p.add_argument('--out', default='data/migsynth', help='output folder')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--num-clips', type=int, default=800)
    p.add_argument('--num-frames', type=int, default=48)
    p.add_argument('--force', action='store_true', help='rebuild even if cached')


@command('synth')
def run_synth(args: argparse.Namespace) -> int:
    from data_prep.migsynth import build_migsynth
    path = build_migsynth(args.out, seed=args.seed, num_clips=args.num_clips,
                          num_frames=args.num_frames, force=args.force)
    print(f'MiG-Synth annotations: {path}')
    return 0


def _add_tool(sub, name: str) -> None:
    p = sub.add_parser(
        name, help=f"MMAction2's tools/{name}.py with m2hen_mmaction loaded",
        add_help=False)
    p.add_argument('tool_args', nargs=argparse.REMAINDER)


def _run_tool(name: str, args: argparse.Namespace) -> int:
    from m2hen_mmaction.mmaction_tools import run_mmaction_tool
    run_mmaction_tool(name, args.tool_args)
    return 0


COMMANDS['train'] = lambda args: _run_tool('train', args)
COMMANDS['test'] = lambda args: _run_tool('test', args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='m2hen', description='M2HEN micro-gesture recognition tools')
    sub = parser.add_subparsers(dest='command', required=True)
    _add_synth(sub)
    _add_tool(sub, 'train')
    _add_tool(sub, 'test')
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return COMMANDS[args.command](args)


if __name__ == '__main__':
    sys.exit(main())
