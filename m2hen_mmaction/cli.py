"""The ``m2hen`` command: data, training wrappers, ensembles, benchmarks.

Run ``m2hen <command> --help`` for each command's options.
"""
import argparse
import sys
from typing import Callable, Dict, List, Optional

from m2hen_mmaction.errors import InputError

Handler = Callable[[argparse.Namespace], int]
DEMO_EPOCHS = 8  # single-modality models and EHCT
DEMO_FINETUNE_EPOCHS = 2  # RGB+pose from the merge of the two
DEMO_JOBS = 2  # runs trained at once (one thread each on 2 cores)
DEFAULT_EXPERIMENT = 'configs/experiments/table1_migsynth.py'
COMMANDS: Dict[str, Handler] = {}


def command(name: str):
    """Register ``func`` as the handler of ``m2hen <name>``."""

    def register(func: Handler) -> Handler:
        COMMANDS[name] = func
        return func

    return register


SYNTH_SIZES = (  # option, default, help
    ('train-clips', 600, 'long-tailed training clips (head/tail ~40)'),
    ('val-per-class', 12, 'class-balanced val clips'),
    ('test-per-class', 50, 'class-balanced test clips; >= 49 resolve a '
     '5-point class-average difference'),
    ('num-frames', 48, 'frames per clip'),
    ('num-subjects', 24, 'persons (cross-subject splits)'),
)


def _add_synth_sizes(parser, prefix: str = '') -> None:
    """MiG-Synth's size options (``--<prefix><option>``)."""
    for option, default, help_text in SYNTH_SIZES:
        parser.add_argument(f'--{prefix}{option}', type=int, default=default,
                            help=f'{help_text} (default: %(default)s)')


def _build_synth(args: argparse.Namespace, out: str, prefix: str = '',
                 force: bool = False) -> str:
    from m2hen_mmaction.data.migsynth.generate import build_migsynth
    sizes = {
        option.replace('-', '_'): getattr(
            args, (prefix + option).replace('-', '_'))
        for option, _, _ in SYNTH_SIZES
    }
    return build_migsynth(out, seed=args.seed, force=force, **sizes)


def _add_synth(sub) -> None:
    p = sub.add_parser('synth', help='build the MiG-Synth dataset')
    p.add_argument('--out', default='data/migsynth', help='output folder')
    p.add_argument('--seed', type=int, default=0)
    _add_synth_sizes(p)
    p.add_argument('--force', action='store_true', help='rebuild even if cached')
    p.add_argument('--probe', type=int, metavar='CLIPS_PER_CLASS', nargs='?',
                   const=24, help='also check the cue design with linear '
                   'probes on fresh train/val-subject clips (default 24 per '
                   'class); writes probe.md and probe.json into --out')


@command('synth')
def run_synth(args: argparse.Namespace) -> int:
    path = _build_synth(args, args.out, force=args.force)
    print(f'MiG-Synth annotations: {path}')
    if args.probe:
        from m2hen_mmaction.data.migsynth.probe import (probe_markdown,
                                                        run_probes,
                                                        write_probes)
        rows = run_probes(args.seed, args.probe, args.num_frames,
                          args.num_subjects)
        print(probe_markdown(rows))
        print(f'Probes: {write_probes(args.out, rows)}')
    return 0


def _add_tool(sub, name: str) -> None:
    p = sub.add_parser(
        name, help=f"MMAction2's tools/{name}.py with m2hen_mmaction loaded",
        add_help=False)
    p.add_argument('tool_args', nargs=argparse.REMAINDER)


def _run_tool(name: str, args: argparse.Namespace) -> int:
    from m2hen_mmaction.mmaction_tools import run_mmaction_tool
    tool_args = args.tool_args
    run_mmaction_tool(name, tool_args[1:] if tool_args[:1] == ['--'] else
                      tool_args)
    return 0


TOOL_COMMANDS = ('train', 'test')
for _tool in TOOL_COMMANDS:
    COMMANDS[_tool] = lambda args, name=_tool: _run_tool(name, args)


def _add_split(sub) -> None:
    p = sub.add_parser('split', help='print parts A-D and the group trainsets')
    p.add_argument('ann_file', help='PoseDataset pickle with a train split')
    p.add_argument('--ratio', type=float, default=0.2)
    p.add_argument('--num-parts', type=int, default=4)


@command('split')
def run_split(args: argparse.Namespace) -> int:
    from m2hen_mmaction.experiments.experiment import train_class_counts
    from m2hen_mmaction.grouping.parts import (build_trainset,
                                                       default_others_size,
                                                       part_names, split_parts)
    counts = train_class_counts(args.ann_file)
    parts = split_parts(counts, args.ratio, args.num_parts)
    for name, part in zip(part_names(len(parts)), parts):
        print(f'Part {name}: classes {part} '
              f'(train counts {[counts[c] for c in part]})')
    for index in range(1, len(parts) + 1):
        trainset = build_trainset(parts, index)
        others = default_others_size(counts, trainset) \
            if trainset.has_others else 0
        print(f'Trainset {index}: num_classes={trainset.num_classes} '
              f'(OTHERS samples: {others})')
    return 0


def _add_ensemble(sub) -> None:
    p = sub.add_parser(
        'ensemble', help='Eq. 5: fuse --dump pickles of group trainsets')
    p.add_argument('--ann-file', required=True,
                   help='the PoseDataset pickle (its train split defines '
                   'the parts)')
    p.add_argument('--test', action='append', required=True,
                   metavar='I=A.pkl,B.pkl',
                   help='trainset I and its models\' test dumps; repeat per '
                   'trainset')
    p.add_argument('--val', action='append', metavar='I=A.pkl,B.pkl',
                   help='the same on val: alphas are searched there')
    p.add_argument('--alphas', type=float, nargs='+',
                   help='fixed alphas (instead of --val), one per trainset')
    p.add_argument('--gate', choices=('gated', 'always'), default='gated')
    p.add_argument('--fuse', choices=('logits', 'prob'), default='logits',
                   help='add the dumped scores as they are (logits when '
                   "dumped with model.cls_head.average_clips='score', as m2hen "
                   'benchmark does) or as softmax probabilities')
    p.add_argument('--objective', choices=('mean1', 'top1'), default='mean1',
                   help='what the alpha search maximises on val '
                   '(class-average accuracy by default, as m2hen benchmark)')
    p.add_argument('--out', help='write metrics and alphas to this JSON')


def _parse_trainset_dumps(items: List[str], option: str) -> Dict[int, list]:
    """``{I: [dump, ...]}`` from ``I=A.pkl[,B.pkl]`` items, sorted by I."""
    trainsets = {}
    for item in items or []:
        index, sep, paths = item.partition('=')
        if not sep or not index.isdigit() or not paths:
            raise InputError(f'{option} {item!r}: expected I=A.pkl[,B.pkl] '
                             '(trainset index, its models\' dumps)')
        trainsets[int(index)] = paths.split(',')
    return dict(sorted(trainsets.items()))


def _check_every_trainset(given: List[int], num_parts: int,
                          option: str) -> None:
    """Eq. 5 sums trainsets 1..N: refuse a missing or unknown one."""
    expected = list(range(1, num_parts + 1))
    if given != expected:
        missing = sorted(set(expected) - set(given))
        unknown = sorted(set(given) - set(expected))
        raise InputError(
            f'{option} gives trainsets {given}, but the parts of --ann-file '
            f'make trainsets {expected} (missing {missing}, unknown '
            f'{unknown}); give {option} I=A.pkl,B.pkl for every I in '
            f'1..{num_parts}')


@command('ensemble')
def run_ensemble(args: argparse.Namespace) -> int:
    import mmengine

    from m2hen_mmaction.grouping import ensemble
    from m2hen_mmaction.experiments.experiment import (NORMALIZE,
                                                       train_class_counts)
    from m2hen_mmaction.grouping.parts import build_trainset, split_parts
    parts = split_parts(train_class_counts(args.ann_file))

    def load(items: List[str], option: str):
        dumps_by_trainset = _parse_trainset_dumps(items, option)
        _check_every_trainset(list(dumps_by_trainset), len(parts), option)
        return [
            ensemble.load_trainset(
                paths, build_trainset(parts, index).label_map,
                f'trainset{index}', normalize=NORMALIZE[args.fuse])
            for index, paths in dumps_by_trainset.items()
        ]

    if args.val:
        alphas = ensemble.search_alphas(load(args.val, '--val'),
                                        gate=args.gate,
                                        objective=args.objective)
    elif args.alphas:
        alphas = args.alphas
    else:
        raise InputError('Give --val dumps (alphas searched on val) or '
                         '--alphas; alphas are never tuned on test.')
    result = ensemble.apply(load(args.test, '--test'), alphas, args.gate,
                            parts=parts)
    print('alphas:', [round(float(a), 3) for a in alphas])
    for name, value in result.metrics.items():
        print(f'{name}: {100 * value:.2f}')
    if args.out:
        mmengine.dump(dict(alphas=[float(a) for a in alphas],
                           metrics=result.metrics), args.out, indent=2)
    return 0


def _add_benchmark(sub, name: str, help_text: str) -> argparse.ArgumentParser:
    from mmengine.config import DictAction
    p = sub.add_parser(name, help=help_text)
    p.add_argument('--name', help='work_dirs/<name> (default: the '
                   "experiment's name)")
    p.add_argument('--ann-file', help="the experiment's data (a PoseDataset "
                   'pickle with classes.txt beside it)')
    p.add_argument('--epochs', type=int,
                   help='training epochs of every model')
    p.add_argument('--finetune-epochs', type=int,
                   help='epochs of the RGB+pose fine-tunes from their '
                   'merge-init')
    p.add_argument('--num-clips', type=int, nargs='+',
                   help='test NoC values')
    p.add_argument('--val-num-clips', type=int,
                   help='NoC on val (where Eq. 5 alphas are searched)')
    p.add_argument('--rows', nargs='+', help='rows to run (methods)')
    p.add_argument('--jobs', type=int, default=1,
                   help='runs trained at once on this machine, each in its '
                   'own process with threads/jobs threads (default: '
                   '%(default)s)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                   metavar='K=V', help='keys naming a field of the experiment '
                   'file (rows, models, num_clips, fuse, ...) set it; other '
                   "keys override every model's config")
    return p


def _add_benchmark_command(sub) -> None:
    p = _add_benchmark(sub, 'benchmark', 'train, test and score the rows of '
                       'an experiment file (configs/experiments/)')
    p.add_argument('experiment', nargs='?', default=DEFAULT_EXPERIMENT,
                   help='experiment file (default: %(default)s)')
    p.add_argument('--plan', action='store_true',
                   help='print every run as mim/m2hen commands in dependency '
                   'order and write them to <work_dir>/plan.sh; train nothing')
    p.add_argument('--score-only', action='store_true',
                   help='train nothing: score the rows whose runs finished, '
                   'list the others')
    cluster = p.add_argument_group(
        'launcher (passed to every mim command; without --plan the '
        'commands run here, one after another, then the rows are scored)')
    cluster.add_argument('--launcher', choices=('none', 'pytorch', 'slurm'),
                         default='none')
    cluster.add_argument('--gpus', type=int)
    cluster.add_argument('--gpus-per-node', type=int)
    cluster.add_argument('--partition')
    cluster.add_argument('--srun-args')


def _add_demo(sub) -> None:
    p = _add_benchmark(sub, 'demo', 'MiG-Synth + Table 1 on a short CPU '
                       'schedule')
    p.set_defaults(name='demo', epochs=DEMO_EPOCHS,
                   finetune_epochs=DEMO_FINETUNE_EPOCHS, num_clips=[1],
                   jobs=DEMO_JOBS,
                   experiment=DEFAULT_EXPERIMENT, plan=False,
                   score_only=False, launcher='none', gpus=None,
                   gpus_per_node=None, partition=None, srun_args=None)
    synth = p.add_argument_group('MiG-Synth build (as `m2hen synth`)')
    synth.add_argument('--seed', type=int, default=0)
    _add_synth_sizes(synth, prefix='synth-')


def _experiment_options(args: argparse.Namespace) -> dict:
    """``--cfg-options`` plus the options that name experiment fields."""
    options = dict(args.cfg_options)
    for field in ('name', 'ann_file', 'epochs', 'finetune_epochs', 'num_clips',
                  'val_num_clips'):
        if getattr(args, field) is not None:
            options[field] = getattr(args, field)
    return options


def _launcher(args: argparse.Namespace):
    from m2hen_mmaction.experiments.plan import Launcher
    launcher = Launcher(args.launcher, args.gpus, args.gpus_per_node,
                        args.partition, args.srun_args)
    launcher.arguments()  # checks the combination
    if launcher.launcher != 'none' and args.score_only:
        raise InputError('--score-only trains nothing: drop --launcher')
    if args.jobs < 1:
        raise InputError(f'--jobs must be >= 1, got {args.jobs}')
    if args.jobs > 1 and (launcher.launcher != 'none' or args.plan
                          or args.score_only):
        raise InputError('--jobs trains runs here, in worker processes: '
                         'drop it with --launcher, --plan or --score-only')
    return launcher


@command('benchmark')
def run_benchmark_command(args: argparse.Namespace) -> int:
    from m2hen_mmaction.experiments.experiment import (load_experiment,
                                                       select_rows)
    from m2hen_mmaction.experiments.report import results_markdown
    from m2hen_mmaction.experiments.runner import run_experiment
    launcher = _launcher(args)
    exp = load_experiment(args.experiment, _experiment_options(args))
    select_rows(exp, args.rows)
    if args.plan:
        from m2hen_mmaction.experiments.plan import print_plan
        print(print_plan(exp, launcher), end='')
        return 0
    from m2hen_mmaction.experiments.parallel import RunFailed
    from m2hen_mmaction.experiments.plan import (PlanCommandFailed,
                                                 execute_plan)
    try:
        if launcher.launcher != 'none':
            execute_plan(exp, launcher)
        results = run_experiment(exp, train=not args.score_only and
                                 launcher.launcher == 'none', jobs=args.jobs)
    except (PlanCommandFailed, RunFailed) as failed:
        print(f'm2hen benchmark: error: {failed}', file=sys.stderr)
        return 1
    print(results_markdown(results))
    return _write_report(exp.work_dir, args.command)


@command('demo')
def run_demo(args: argparse.Namespace) -> int:
    import os.path as osp
    ann_file = args.ann_file or 'data/migsynth/migsynth.pkl'
    _build_synth(args, osp.dirname(ann_file), prefix='synth-')
    return run_benchmark_command(args)


def _add_report(sub) -> None:
    p = sub.add_parser('report', help='(re)write report.md of a benchmark')
    p.add_argument('work_dir')


def _write_report(work_dir: str, command_name: str) -> int:
    """Write report.md; print its path, and its warning to stderr."""
    from m2hen_mmaction.experiments.report import write_report
    path, warning = write_report(work_dir)
    print(f'Report: {path}')
    if warning:
        print(f'm2hen {command_name}: warning: {warning}', file=sys.stderr)
    return 0


@command('report')
def run_report(args: argparse.Namespace) -> int:
    return _write_report(args.work_dir, args.command)


def _add_merge_init(sub) -> None:
    p = sub.add_parser(
        'merge-init', help="PoseC3D's RGB+pose init: merge an RGB-only and a "
        'pose-only checkpoint into the two pathways')
    p.add_argument('rgb_checkpoint', help='RGB-only checkpoint (.pth)')
    p.add_argument('pose_checkpoint', help='pose-only checkpoint (.pth)')
    p.add_argument('out', help='output .pth (the RGB+pose config\'s '
                   'load_from)')
    p.add_argument('--config', required=True,
                   help='the RGB+pose config that will be fine-tuned from OUT')


@command('merge-init')
def run_merge_init(args: argparse.Namespace) -> int:
    from m2hen_mmaction.experiments.merge_init import merge_init
    merged = merge_init(args.rgb_checkpoint, args.pose_checkpoint, args.out,
                        args.config)
    print(merged.format({'rgb': args.rgb_checkpoint,
                         'pose': args.pose_checkpoint}))
    print(f'Wrote {args.out}')
    return 0


LONG_VIDEO_FORMATS = ('miga2025', 'openpose-json')
# prepare-imigue options that only some formats take: dest -> formats
FORMAT_OPTIONS = {'video_dir': LONG_VIDEO_FORMATS,
                  'frame_base': LONG_VIDEO_FORMATS,
                  'label_dir': ('openpose-json', ),
                  'max_persons': ('openpose-json', ),
                  'normalized': ('miga2023', ),
                  'group_regex': ('miga2023', )}
NORMALIZED = {'auto': None, 'yes': True, 'no': False}


def _max_skipped_help(items: str) -> str:
    return (f'fail (exit 1, no dataset written) when more than this '
            f'fraction of the {items} is skipped; converting nothing always '
            'fails (default: %(default)s)')


def _add_prepare_imigue(sub) -> None:
    p = sub.add_parser(
        'prepare-imigue',
        help='convert an iMiGUE/MiGA release to a PoseDataset',
        description='Convert an iMiGUE/MiGA release (or OpenPose JSON) into '
        'an MMAction2 PoseDataset pickle, classes.txt, summary.json and '
        'conversion_report.txt. Folder layouts and examples: '
        'data_prep/imigue/README.md, data_prep/openpose_json/README.md.')
    p.add_argument('format', choices=('miga2025', 'miga2023', 'openpose-json'))
    p.add_argument('src_dir', help='the release (or OpenPose JSON) folder; '
                   'symlinked folders are followed')
    p.add_argument('--out', default='data/imigue', help='output folder')
    p.add_argument('--subjects', help='csv of id,subject rows: video id '
                   '(or MiGA 2023 sample group) -> subject; default: a video '
                   'or group is a subject')
    p.add_argument('--val-subjects', default='0.2',
                   help='fraction or comma-separated ids held out for val '
                   'when the release has no val split')
    p.add_argument('--test-subjects', default='',
                   help='comma-separated ids for test (if the release has '
                   'no test folder)')
    p.add_argument('--img-shape', type=int, nargs=2,
                   metavar=('HEIGHT', 'WIDTH'),
                   help='video frame size in pixels (default: 720 1280)')
    p.add_argument('--seed', type=int, default=0, help='seed of the val draw')
    p.add_argument('--max-skipped', type=float, default=0.5,
                   help=_max_skipped_help(
                       'samples (or whole unreadable files)'))
    long = p.add_argument_group('miga2025 and openpose-json')
    long.add_argument('--video-dir', help='long videos to cut RGB clips '
                      'from (symlinked folders followed)')
    long.add_argument('--frame-base', type=int,
                      help='index of the first frame in the label csv '
                      '(default: 0)')
    openpose = p.add_argument_group('openpose-json')
    openpose.add_argument('--label-dir', help='folder of <id>_label.csv files '
                          '(default: in or beside each video\'s JSON '
                          'folder)')
    openpose.add_argument('--max-persons', type=int,
                          help='people kept per frame (default: 1)')
    miga2023 = p.add_argument_group('miga2023')
    miga2023.add_argument('--normalized', choices=tuple(NORMALIZED),
                          help='whether x, y are in [0, 1] (default: auto, '
                          'guessed from the values)')
    miga2023.add_argument('--group-regex',
                          help='regex whose first group of a sample name is '
                          'its video/subject group (default: ^(.*)_\\d+$)')


def _held_out(text: str):
    try:
        return float(text)
    except ValueError:
        return [s for s in text.split(',') if s]


def _format_arguments(args: argparse.Namespace) -> dict:
    """The given format-specific options as keyword arguments.

    Raises:
        ValueError: An option does not apply to ``args.format``.
    """
    given = {dest: getattr(args, dest) for dest in FORMAT_OPTIONS
             if getattr(args, dest) is not None}
    for dest in given:
        if args.format not in FORMAT_OPTIONS[dest]:
            raise InputError(
                f'--{dest.replace("_", "-")} applies to '
                f'{" and ".join(FORMAT_OPTIONS[dest])}, not {args.format}')
    if 'normalized' in given:
        given['normalized'] = NORMALIZED[given['normalized']]
    return given


def _convert_options(args: argparse.Namespace):
    from m2hen_mmaction.data.releases.common import ConvertOptions
    shape = dict(img_shape=tuple(args.img_shape)) if args.img_shape else {}
    return ConvertOptions(
        val_subjects=_held_out(args.val_subjects),
        test_subjects=[s for s in args.test_subjects.split(',') if s],
        subjects=args.subjects, seed=args.seed,
        max_skipped=args.max_skipped, **shape)


def _run_converter(name: str, convert: Callable) -> int:
    """Run a converter and print its report once.

    Bad arguments or a missing folder raise :class:`InputError` before any
    conversion (one line, exit status 2, from :func:`main`).

    Returns:
        int: 0 on success; 1 when the conversion converted nothing or
        skipped too much (its report, then a one-line error).
    """
    from m2hen_mmaction.data.common import ConversionError
    try:
        report = convert()
    except ConversionError as err:
        print(err.report.format())
        print(f'm2hen {name}: error: {err}', file=sys.stderr)
        return 1
    print(report.format())
    return 0


@command('prepare-imigue')
def run_prepare_imigue(args: argparse.Namespace) -> int:
    from m2hen_mmaction.data.releases.miga2023 import convert_miga2023
    from m2hen_mmaction.data.releases.miga2025 import convert_miga2025
    from m2hen_mmaction.data.releases.openpose_json import \
        convert_openpose_json
    converters = {'miga2025': convert_miga2025,
                  'miga2023': convert_miga2023,
                  'openpose-json': convert_openpose_json}
    return _run_converter('prepare-imigue', lambda: converters[args.format](
        args.src_dir, args.out, _convert_options(args),
        **_format_arguments(args)))


def _add_extract(sub) -> None:
    p = sub.add_parser(
        'extract', help='MediaPipe skeletons (openpose137) from a folder of '
        'videos (needs the [extract] extra)',
        description='Extract openpose137 skeletons with MediaPipe Holistic '
        'from every video under VIDEO_DIR (symlinked folders followed) into '
        'a PoseDataset pickle; see data_prep/own_videos/README.md.')
    p.add_argument('video_dir')
    p.add_argument('out_pkl')
    p.add_argument('--labels', help='csv of video_stem,class_index')
    p.add_argument('--split', default='test')
    p.add_argument('--stride', type=int, default=1)
    p.add_argument('--max-skipped', type=float, default=0.5,
                   help=_max_skipped_help('videos'))


@command('extract')
def run_extract(args: argparse.Namespace) -> int:
    from m2hen_mmaction.data.extraction.extract import extract_skeletons
    return _run_converter('extract', lambda: extract_skeletons(
        args.video_dir, args.out_pkl, args.labels, split=args.split,
        stride=args.stride, max_skipped=args.max_skipped))


def _add_predict(sub) -> None:
    p = sub.add_parser('predict', help='top-5 classes of one video')
    p.add_argument('video')
    p.add_argument('--config', required=True)
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--skeletons', help='a PoseDataset pkl holding the '
                   "video's skeletons (else MediaPipe extracts them)")
    p.add_argument('--sample', help='frame_dir of the sample in --skeletons')
    p.add_argument('--topk', type=_positive_int, default=5)
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', help='also write the predictions to this JSON')


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, got {value}')
    return value


@command('predict')
def run_predict(args: argparse.Namespace) -> int:
    import mmengine

    from m2hen_mmaction.apis.predict import (format_predictions,
                                             load_skeletons, predict,
                                             predictions_json)
    skeletons = (load_skeletons(args.skeletons, args.sample)
                 if args.skeletons else None)
    predictions = predict(args.video, args.config, args.checkpoint, skeletons,
                          args.topk, args.device,
                          [args.skeletons] if args.skeletons else [])
    print(format_predictions(predictions))
    if args.out:
        mmengine.dump(predictions_json(
            predictions, video=args.video, config=args.config,
            checkpoint=args.checkpoint), args.out, indent=2)
    return 0


def _add_show(sub) -> None:
    p = sub.add_parser('show', help='draw a sample\'s skeletons over its '
                       'video (or a blank canvas) to .mp4 or .png')
    p.add_argument('pkl', help='a PoseDataset pickle')
    p.add_argument('frame_dir', help='the sample to draw')
    p.add_argument('--video', help='draw over this video (else a canvas of '
                   'the sample\'s img_shape)')
    p.add_argument('--out', required=True,
                   help='.mp4 (every frame) or .png (one frame)')
    p.add_argument('--frame', type=int,
                   help='the frame of a .png (default: the middle one)')
    p.add_argument('--scale', type=_positive_int, help='integer upscaling '
                   '(default: enough for a 480-pixel short side)')
    p.add_argument('--min-score', type=float, default=0.0,
                   help='joints scoring <= this are not drawn')


@command('show')
def run_show(args: argparse.Namespace) -> int:
    from m2hen_mmaction.apis.show import show
    print(show(args.pkl, args.frame_dir, args.out, args.video, args.frame,
               args.scale, args.min_score))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='m2hen', description='M2HEN micro-gesture recognition tools')
    sub = parser.add_subparsers(dest='command', required=True)
    _add_synth(sub)
    _add_tool(sub, 'train')
    _add_tool(sub, 'test')
    _add_split(sub)
    _add_ensemble(sub)
    _add_benchmark_command(sub)
    _add_demo(sub)
    _add_report(sub)
    _add_merge_init(sub)
    _add_prepare_imigue(sub)
    _add_extract(sub)
    _add_predict(sub)
    _add_show(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run one sub-command; bad input (:class:`InputError`) is one line on
    stderr and exit status 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in TOOL_COMMANDS:  # everything after is the tool's
        argv = [argv[0], '--', *argv[1:]]
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as error:
        print(f'm2hen {args.command}: error: {error}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
