"""The restricted unpickler: inert data loads, code-running payloads do not."""
import builtins
import os
import pickle

import numpy as np
import pytest

from m2hen_mmaction.data.migsynth.generate import build_migsynth
from m2hen_mmaction.fileio import (ForbiddenGlobalError, PickleLoadError,
                                   load_pickle)

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


class CreateFile:
    """A payload that creates ``path`` when unpickled with pickle.load."""

    def __init__(self, path, via):
        self.path, self.via = str(path), via

    def __reduce__(self):
        if self.via == 'open':
            return builtins.open, (self.path, 'w')
        return os.system, (f'touch {self.path}', )


def dump(obj, path, protocol=pickle.HIGHEST_PROTOCOL):
    with open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=protocol)
    return path


@pytest.mark.parametrize('via, global_name', [('open', 'io.open'),
                                              ('system', 'posix.system')])
@pytest.mark.parametrize('protocol', [0, 2, pickle.HIGHEST_PROTOCOL])
def test_payload_that_creates_a_file_is_refused(tmp_path, via, global_name,
                                                protocol):
    target = tmp_path / 'created_by_payload'
    # nested in allowed containers, as in a dataset pickle
    payload = dict(split=dict(train=['a']),
                   annotations=[dict(frame_dir='a', label=CreateFile(
                       target, via))])
    path = dump(payload, tmp_path / 'evil.pkl', protocol)
    with open(path, 'rb') as f:  # the payload is real: pickle.load runs it
        pickle.load(f)
    assert target.exists()
    target.unlink()

    with pytest.raises(ForbiddenGlobalError) as info:
        load_pickle(path)
    assert not target.exists()
    message = str(info.value)
    assert '\n' not in message
    assert str(path) in message and global_name in message
    assert info.value.global_name == global_name


def test_getattr_and_import_are_refused(tmp_path):
    path = tmp_path / 'getattr.pkl'
    # protocol 0 text: getattr(builtins.__import__('os'), 'getcwd')()
    path.write_bytes(b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntR"
                     b"Vgetcwd\ntR)R.")
    with pytest.raises(ForbiddenGlobalError, match='builtins.getattr'):
        load_pickle(path)


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_numpy_arrays_and_scalars_round_trip(tmp_path, protocol):
    rng = np.random.default_rng(0)
    arrays = dict(
        f32=rng.normal(size=(2, 3, 4)).astype(np.float32),
        f64=rng.normal(size=5), f16=np.arange(6, dtype=np.float16),
        i8=np.arange(-4, 4, dtype=np.int8), u16=np.arange(7, dtype=np.uint16),
        i64=np.arange(10).reshape(2, 5), b=np.array([True, False]),
        c64=np.array([1 + 2j], np.complex64), s=np.array(['ab', 'cde']),
        fortran=np.asfortranarray(np.arange(12.).reshape(3, 4)),
        strided=np.arange(20)[::3], empty=np.zeros((0, 3), np.float32),
        obj=np.array([{'x': 1}, [2, 3]], dtype=object))
    scalars = [np.float32(1.5), np.int64(-3), np.bool_(True), np.str_('ok'),
               np.dtype('<f4'), np.dtype([('x', '<i4'), ('y', '<f8')])]
    path = dump(dict(arrays=arrays, scalars=scalars), tmp_path / 'np.pkl',
                protocol)
    loaded = load_pickle(path)
    for name, array in arrays.items():
        assert loaded['arrays'][name].dtype == array.dtype, name
        assert loaded['arrays'][name].shape == array.shape, name
        if name != 'obj':
            np.testing.assert_array_equal(loaded['arrays'][name], array)
    assert list(loaded['arrays']['obj']) == [{'x': 1}, [2, 3]]
    assert loaded['scalars'] == scalars
    assert [type(v) for v in loaded['scalars']] == [type(v) for v in scalars]


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_python_containers_round_trip(tmp_path, protocol):
    value = dict(lst=[1, 2.5, 'x', None, True], tup=(1, (2, 3)),
                 st={1, 2}, fs=frozenset('ab'), by=b'\x00\xff',
                 ba=bytearray(b'xy'), cx=3 - 1j, big=2**70,
                 nested={'a': [{'b': ({'c'}, )}]})
    assert load_pickle(dump(value, tmp_path / 'c.pkl', protocol)) == value


def test_miga2023_label_pickle_shape(tmp_path):
    names = ['0001_03', '0002_11']
    labels = [np.int64(4), np.int64(31)]
    path = dump((names, labels), tmp_path / 'train_label.pkl', protocol=2)
    loaded_names, loaded_labels = load_pickle(path, encoding='latin1')
    assert loaded_names == names and loaded_labels == labels


def test_migsynth_dataset_pickle_round_trip(tmp_path):
    path = build_migsynth(str(tmp_path), seed=3, train_clips=16, val_per_class=1,
                          test_per_class=1, num_frames=8,
                          num_subjects=6, video_size=(64, 64),
                          progress=False)
    with open(path, 'rb') as f:
        expected = pickle.load(f)
    loaded = load_pickle(path)
    assert loaded['split'] == expected['split']
    assert len(loaded['annotations']) == 48
    for got, want in zip(loaded['annotations'], expected['annotations']):
        assert got.keys() == want.keys()
        for key, value in want.items():
            if isinstance(value, np.ndarray):
                assert got[key].dtype == value.dtype
                np.testing.assert_array_equal(got[key], value)
            else:
                assert got[key] == value


@pytest.mark.parametrize('protocol', [0, 2])
def test_numpy1_module_paths_load(tmp_path, protocol):
    """Pickles written by NumPy 1.x name ``numpy.core.multiarray``."""
    value = dict(x=np.arange(6, dtype=np.float32).reshape(2, 3),
                 s=np.float64(2.5))
    data = pickle.dumps(value, protocol=protocol)
    assert b'numpy._core.multiarray' in data  # GLOBAL opcodes are text
    old = data.replace(b'numpy._core.', b'numpy.core.')
    path = tmp_path / 'numpy1.pkl'
    path.write_bytes(old)
    loaded = load_pickle(path)
    np.testing.assert_array_equal(loaded['x'], value['x'])
    assert loaded['s'] == 2.5 and type(loaded['s']) is np.float64


def test_truncated_and_foreign_files_name_the_file(tmp_path):
    good = pickle.dumps(dict(a=np.arange(100)), protocol=4)
    cases = dict(truncated=good[:len(good) // 2], empty=b'',
                 text=b'label,start,end\n1,2,3\n',
                 npy=b'\x93NUMPY\x01\x00' + b'\x00' * 40)
    for name, data in cases.items():
        path = tmp_path / f'{name}.pkl'
        path.write_bytes(data)
        with pytest.raises(PickleLoadError) as info:
            load_pickle(path)
        assert not isinstance(info.value, ForbiddenGlobalError)
        message = str(info.value)
        assert str(path) in message and 'not a readable pickle' in message
        assert '\n' not in message


def test_codecs_encode_only_for_latin1(tmp_path):
    path = tmp_path / 'codec.pkl'
    path.write_bytes(b"c_codecs\nencode\n(Vabc\nVrot13\ntR.")
    with pytest.raises(PickleLoadError, match="encoding 'rot13'"):
        load_pickle(path)


class StorageBytes:
    """Pickles as ``torch.storage._load_from_bytes(data)``, as a tensor's
    storage does."""

    def __init__(self, data):
        self.data = data

    def __reduce__(self):
        import torch.storage
        return torch.storage._load_from_bytes, (self.data, )


def test_tensors_load_and_their_storage_bytes_run_no_code(tmp_path):
    import torch
    tensors = dict(scores=torch.rand(2, 5), label=torch.tensor([3]))
    path = dump(tensors, tmp_path / 'dump.pkl', protocol=2)
    loaded = load_pickle(path)
    assert all(torch.equal(loaded[k], v) for k, v in tensors.items())

    target = tmp_path / 'created_by_payload'
    inner = pickle.dumps(CreateFile(target, 'system'), protocol=2)
    path = dump([StorageBytes(inner)], tmp_path / 'evil_storage.pkl', 2)
    with open(path, 'rb') as f, pytest.raises(Exception):
        pickle.load(f)  # torch's own loader runs the payload, then fails
    assert target.exists()
    target.unlink()
    with pytest.raises(PickleLoadError, match='evil_storage.pkl: not a '
                       'readable pickle'):
        load_pickle(path)
    assert not target.exists()
