"""data_prep/ guides: every link resolves and every `m2hen` command in them
(and in README's real-data block) is accepted by the real parser; the
MiG-Synth build command runs."""
import os
import os.path as osp
import pickle
import re
import shlex
import subprocess
import sys

from m2hen_mmaction.cli import build_parser

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GUIDES = osp.join(REPO, 'data_prep')
M2HEN = osp.join(osp.dirname(sys.executable), 'm2hen')


def guide_files():
    return sorted(osp.join(folder, name)
                  for folder, _, names in os.walk(GUIDES)
                  for name in names)


def commands(path):
    """Every ``m2hen ...`` command of the fenced bash blocks of a Markdown
    file (continued lines joined), split into words (comments dropped)."""
    blocks = re.findall(r'```bash\n(.*?)```', open(path).read(), re.S)
    return [shlex.split(line, comments=True) for block in blocks
            for line in block.replace('\\\n', ' ').splitlines()
            if line.startswith('m2hen ')]


def test_guides_are_markdown_only_and_links_resolve():
    files = guide_files()
    assert [osp.relpath(f, GUIDES) for f in files] == [
        'README.md', 'imigue/README.md', 'migsynth/README.md',
        'openpose_json/README.md', 'own_videos/README.md']
    for path in files + [osp.join(REPO, 'README.md')]:
        for link in re.findall(r'\]\(((?:\.\./|data_prep/|\w+/)[^)#]*)\)',
                               open(path).read()):
            assert osp.exists(osp.join(osp.dirname(path), link)), (path,
                                                                   link)


def test_every_guide_command_parses():
    parser = build_parser()
    found = set()
    for path in guide_files() + [osp.join(REPO, 'README.md')]:
        for words in commands(path):
            args = parser.parse_args(words[1:])
            found.add((args.command, getattr(args, 'format', None)))
    assert found >= {('synth', None), ('split', None), ('extract', None),
                     ('prepare-imigue', 'miga2025'),
                     ('prepare-imigue', 'miga2023'),
                     ('prepare-imigue', 'openpose-json')}


def test_synth_command_builds_the_dataset(tmp_path):
    done = subprocess.run(
        [M2HEN, 'synth', '--out', 'data/migsynth', '--train-clips', '16',
         '--val-per-class', '1', '--test-per-class', '1', '--num-frames',
         '8'], cwd=tmp_path, capture_output=True, text=True,
        timeout=300, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / 'data' / 'migsynth'
    with open(out / 'migsynth.pkl', 'rb') as f:
        data = pickle.load(f)
    assert len(data['annotations']) == 48
    assert len(list((out / 'videos').iterdir())) == 48
    assert (out / 'classes.txt').is_file()
