"""Pieces of `m2hen predict` (the command itself runs in tests/test_cli.py):
sample lookup, class names, the checkpoint-fit check."""
import pytest
import torch

from m2hen_mmaction.apis.checkpoints import (load_matching_checkpoint,
                                            state_dict_mismatches)
from m2hen_mmaction.apis.predict import class_names, load_skeletons
from m2hen_mmaction.errors import InputError, MissingDataError


def test_load_skeletons_finds_the_sample_or_lists_some(small_migsynth):
    first = load_skeletons(small_migsynth)
    assert load_skeletons(small_migsynth, first['frame_dir']) is not None
    with pytest.raises(InputError, match=f"No sample 'nope' .*"
                       f"{first['frame_dir']}"):
        load_skeletons(small_migsynth, 'nope')
    with pytest.raises(MissingDataError, match='gone.pkl does not exist'):
        load_skeletons('gone.pkl')


def test_class_names_fall_back_in_order(small_migsynth):
    from_meta = {'dataset_meta': {'classes': ['a', 'b']}}
    assert class_names(from_meta, [small_migsynth], 2) == ['a', 'b']
    names = class_names({}, ['missing/x.pkl', small_migsynth], 16)
    assert len(names) == 16 and names[0] != '0'
    # A classes.txt of another size is not used: indices instead.
    assert class_names(from_meta, [small_migsynth], 3) == ['0', '1', '2']


def test_checkpoint_must_fit_the_model(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(4, 3))
    other = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(),
                                torch.nn.Linear(5, 3))
    assert state_dict_mismatches(model, model.state_dict()) == []
    assert state_dict_mismatches(model, other.state_dict()) == [
        'unexpected 2.weight', 'unexpected 2.bias',
        '0.weight is (5, 4), the model wants (3, 4)',
        '0.bias is (5,), the model wants (3,)']
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': other.state_dict(), 'meta': {'epoch': 1}}, path)
    with pytest.raises(InputError, match=r'other.pth does not fit the model '
                       r'of cfg.py \(4 mismatches: unexpected 2.weight; '
                       r'unexpected 2.bias; 0.weight is \(5, 4\).*; 1 more\)'):
        load_matching_checkpoint(model, str(path), 'cfg.py')
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {f'module.{k}': v for k, v in
                               model.state_dict().items()},
                'meta': {'epoch': 3}}, good)
    assert load_matching_checkpoint(model, str(good), 'cfg.py') == {'epoch': 3}
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:100])
    with pytest.raises(InputError, match='truncated.pth is truncated or not a '
                       'torch checkpoint'):
        load_matching_checkpoint(model, str(truncated), 'cfg.py')
