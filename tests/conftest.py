"""Shared fixtures. No default scope is set for the session: a test that
builds from MMAction2's registries asks for ``mmaction_scope`` (as MMAction2's
own tests call ``register_all_modules``), so a command that forgets to set the
scope fails its test instead of passing on the session's."""
import os.path as osp

import pytest

from smoke_runs import BIN, REPO, run  # noqa: F401  (BIN, REPO re-exported)


def run_console_script(tool, *args, cwd, expect=0):
    """Run an installed console script (``m2hen``, ``mim``) as a user would,
    in a clean environment (``smoke_runs.run``). Asserts its exit status;
    returns ``(stdout, stderr)``."""
    result = run([tool, *map(str, args)], cwd=cwd, timeout=600)
    assert result.returncode == expect, (
        f'{tool} {args} exited {result.returncode}:\n'
        f'{result.stdout[-3000:]}\n{result.stderr[-3000:]}')
    return result.stdout, result.stderr


def write_score_dump(path, scores, labels, ids, stream='item') -> str:
    """Write scores (N, C) as MMAction2's ``tools/test.py --dump`` does;
    ``scores`` may be a dict of streams (name -> (N, C)) instead."""
    import torch
    from mmaction.structures import ActionDataSample
    from mmengine.evaluator import DumpResults, Evaluator
    from mmengine.structures import LabelData
    streams = scores if isinstance(scores, dict) else {stream: scores}
    samples = []
    for index, (label, sample_id) in enumerate(zip(labels, ids)):
        sample = ActionDataSample().set_gt_labels(int(label))
        sample.pred_scores = LabelData(**{
            name: torch.tensor(values[index], dtype=torch.float32)
            for name, values in streams.items()})
        sample.set_metainfo(dict(frame_dir=sample_id))
        samples.append(sample)
    evaluator = Evaluator([DumpResults(out_file_path=str(path))])
    evaluator.process(samples)
    evaluator.evaluate(len(samples))
    return str(path)


@pytest.fixture
def mmaction_scope():
    """MMAction2's and our modules registered, ``mmaction`` the default
    scope for the duration of one test."""
    import m2hen_mmaction  # noqa: F401  (registers our modules)
    from mmaction.utils import register_all_modules
    from mmengine.registry import DefaultScope

    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield


@pytest.fixture(scope='session')
def small_migsynth(tmp_path_factory):
    """A small MiG-Synth build (videos included), made once per session."""
    from m2hen_mmaction.data.migsynth.generate import build_migsynth
    out = tmp_path_factory.mktemp('migsynth')
    return build_migsynth(str(out), seed=0, train_clips=64, val_per_class=1,
                          test_per_class=1, num_frames=16,
                          num_subjects=9, progress=False)


def config_path(relative: str) -> str:
    """Absolute path of a shipped config (``configs/<relative>``)."""
    return osp.join(REPO, 'configs', relative)


@pytest.fixture
def load_cfg(small_migsynth, tmp_path):
    """Load a shipped config pointed at the small MiG-Synth build, with its
    work dir in ``tmp_path``: ``load_cfg('posec3d/x_smoke.py', **options)``."""
    from mmengine.config import Config

    from m2hen_mmaction.experiments.experiment import point_config_at_data

    def load(relative: str, **options):
        cfg = Config.fromfile(config_path(relative))
        point_config_at_data(cfg, small_migsynth)
        cfg.merge_from_dict(options)
        cfg.work_dir = str(tmp_path / 'work')
        return cfg

    return load
