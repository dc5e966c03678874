"""MultiScaleTCN equals MMAction2's mstcn: outputs, gradients, BN stats.

Compared in float64, so a difference in the maths shows above rounding
(float32 sums of these random weights differ by ~1e-5 in any order)."""
import pytest
import torch
from mmaction.models.utils import mstcn

from m2hen_mmaction.models.backbones.multiscale_tcn import MultiScaleTCN

HYPERFORMER_BRANCHES = ((5, 1), (5, 2), ('max', 3), '1x1')


def randomized_pair(stride, ms_cfg):
    reference = mstcn(16, 16, ms_cfg=list(ms_cfg), stride=stride)
    generator = torch.Generator().manual_seed(stride)
    with torch.no_grad():
        for param in reference.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.3)
    fused = MultiScaleTCN(16, 16, ms_cfg=list(ms_cfg), stride=stride)
    fused.load_state_dict(reference.state_dict())
    return reference.double(), fused.double()


def step(model, x):
    x = x.clone().requires_grad_()
    out = model(x)
    weights = torch.randn(out.shape, dtype=out.dtype,
                          generator=torch.Generator().manual_seed(3))
    (out * weights).sum().backward()
    return [out, x.grad] + [p.grad for p in model.parameters()] + list(
        model.buffers())


@pytest.mark.parametrize('stride', [1, 2])
@pytest.mark.parametrize('ms_cfg', [
    HYPERFORMER_BRANCHES,
    [(3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1'],  # mstcn's default
])
def test_equals_mstcn_in_train_and_eval(stride, ms_cfg):
    reference, fused = randomized_pair(stride, ms_cfg)
    x = torch.randn(2, 16, 9, 5, generator=torch.Generator().manual_seed(0),
                    dtype=torch.float64)
    assert list(fused.state_dict()) == list(reference.state_dict())
    for mode in ('train', 'eval'):
        getattr(reference, mode)()
        getattr(fused, mode)()
        expected = step(reference, x)
        ours = step(fused, x)
        assert len(ours) == len(expected)
        for value, ref in zip(ours, expected):
            torch.testing.assert_close(value, ref, rtol=1e-9, atol=1e-9)
        reference.zero_grad()
        fused.zero_grad()
