"""HypergraphTransformer (EHCT backbone): shapes, Eq. 3 math, bad input."""
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS

from m2hen_mmaction.skeleton import JointLayout, get_layout

# A small network: 3 blocks (8, 16, 16 channels), the last one strided.
SMALL = dict(base_channels=8, num_stages=3, inflate_stages=(2, ),
             down_stages=(3, ), num_heads=2, num_person=2)


def build(layout='coco17', **kwargs):
    cfg = dict(type='HypergraphTransformer', layout=layout, **SMALL)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def randomize_(model: torch.nn.Module, seed: int = 0) -> None:
    """Random weights and BN statistics, so no term hides behind its init."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.3)
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.running_mean.copy_(
                    torch.randn(module.running_mean.shape,
                                generator=generator) * 0.1)
                module.running_var.uniform_(0.5, 1.5, generator=generator)


def skeletons(layout='coco17', samples=2, persons=1, frames=8, seed=0):
    joints = get_layout(layout).num_joints
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(samples, persons, frames, joints, 3,
                       generator=generator)


@pytest.mark.parametrize('layout', ['openpose137', 'openpose22', 'coco17'])
def test_output_shape_per_layout(layout):
    model = build(layout)
    out = model(skeletons(layout, samples=2, persons=2, frames=8))
    assert out.shape == (2, 2, 16, 4, get_layout(layout).num_joints)


def test_default_width_matches_stgcn_and_feeds_gcn_head():
    model = MODELS.build(dict(type='HypergraphTransformer', layout='coco17'))
    feats = model(skeletons('coco17', samples=2, frames=8))
    assert feats.shape == (2, 1, 256, 2, 17)  # STGCN: 256 ch, T / 4
    head = MODELS.build(dict(type='GCNHead', num_classes=5, in_channels=256))
    assert head(feats).shape == (2, 5)


def test_out_indices_return_intermediate_blocks_in_order():
    model = build(out_indices=(-1, 0))
    early, last = model(skeletons())
    assert early.shape == (2, 1, 8, 8, 17)
    assert last.shape == (2, 1, 16, 4, 17)


def test_hyperedge_features_equal_explicit_h_de_inv_ht_s_we():
    layout = get_layout('openpose137')
    attention = build('openpose137').blocks[0].attention
    randomize_(attention)
    s = torch.randn(3, layout.num_joints, 8, dtype=torch.float32)
    h = torch.from_numpy(layout.incidence())
    de_inv = torch.diag(1 / h.sum(0))
    w_e = attention.hyperedge_proj.weight.t()
    expected = h @ de_inv @ h.t() @ s @ w_e
    torch.testing.assert_close(joint_major(attention.hyperedge_features(s)),
                               expected)


def joint_major(per_head):
    """(F, h, V, d) -> (F, V, h * d)."""
    return per_head.transpose(1, 2).flatten(2)


def test_explicit_overlapping_hyperedges_are_used():
    groups = [[0, 1, 2, 3, 4], [4, 5, 6, 7, 9], [11, 12, 13, 14]]
    attention = build(hyperedges=groups).blocks[0].attention
    s = torch.randn(2, 17, 8)
    h = torch.zeros(17, 3)
    for edge, joints in enumerate(groups):
        h[joints, edge] = 1
    w_e = attention.hyperedge_proj.weight.t()
    expected = h @ torch.diag(1 / h.sum(0)) @ h.t() @ s @ w_e
    features = joint_major(attention.hyperedge_features(s))
    torch.testing.assert_close(features, expected)
    # Joints 8, 10, 15, 16 are in no hyperedge: zero hyperedge feature.
    assert features[:, [8, 10, 15, 16]].abs().max() == 0


def explicit_attention(attention, x):
    """Eq. 3 with loops over heads, straight from the docstring."""
    layout_hops = attention.hop_distance
    s = attention.norm(x)
    q, k, v = attention.qkv(s).chunk(3, dim=-1)
    e = joint_major(attention.hyperedge_features(s))
    d = attention.head_channels
    weights, outs = [], []
    for head in range(attention.num_heads):
        cols = slice(head * d, (head + 1) * d)
        qh, kh, vh, eh = q[..., cols], k[..., cols], v[..., cols], e[..., cols]
        r = attention.hop_embedding[:, cols][layout_hops]  # (V, V, d)
        w = attention.hyperedge_bias[head]
        logits = (qh @ kh.transpose(1, 2) +
                  torch.einsum('fid,ijd->fij', qh, r) +
                  (qh + w) @ eh.transpose(1, 2)) / d**0.5
        a = logits.softmax(-1)
        weights.append(a)
        outs.append(attention.alpha * a @ vh +
                    attention.structural[head] @ vh)
    out = attention.proj(torch.cat(outs, dim=-1))
    return torch.stack(weights, dim=1), out


def test_attention_matches_eq3_and_rows_sum_to_one():
    attention = build('openpose22').blocks[1].attention
    randomize_(attention)
    x = torch.randn(5, 22, 8)
    expected_weights, expected_out = explicit_attention(attention, x)
    weights = attention.attention_weights(x)
    assert weights.shape == (5, 2, 22, 22)
    torch.testing.assert_close(weights.sum(-1), torch.ones(5, 2, 22))
    assert (weights >= 0).all()
    torch.testing.assert_close(weights, expected_weights)
    torch.testing.assert_close(attention(x), expected_out)


def reference_attention(attention, x):
    """HypergraphAttention.forward as of main@30f67b6 (before the speed
    work): the reference every faster formulation must equal."""
    frames, joints, _ = x.shape
    heads, d = attention.num_heads, attention.head_channels

    def split_heads(t):
        return t.view(frames, joints, heads, d).transpose(1, 2)

    s = attention.norm(x)
    q, k, v = attention.qkv(s).chunk(3, dim=-1)
    edge_means = s.transpose(1, 2) @ attention.incidence_mean
    edges = attention.hyperedge_proj(edge_means.transpose(1, 2))
    e = (edges.transpose(1, 2) @ attention.incidence.t()).transpose(1, 2)
    q, k, v, e = (split_heads(t) for t in (q, k, v, e))
    q = q * attention.scale
    bias = (attention.hyperedge_bias * attention.scale).unsqueeze(1)
    logits = torch.cat([q, q + bias], dim=-1) @ torch.cat(
        [k, e], dim=-1).transpose(-2, -1)
    hop_scores = q @ attention.hop_embedding.view(-1, heads, d).permute(
        1, 2, 0)
    logits += hop_scores.gather(-1,
                                attention.hop_distance.expand(logits.shape))
    attn = attention.attn_drop(logits.softmax(dim=-1))
    per_head = v.permute(1, 2, 0, 3).reshape(heads, joints, -1)
    mixed = (attention.structural @ per_head).view(
        heads, joints, frames, d).permute(2, 0, 1, 3)
    out = attention.alpha * (attn @ v) + mixed
    return attention.proj(out.transpose(1, 2).reshape(frames, joints, -1))


def outputs_and_grads(model, x):
    """Output, input gradient and every parameter gradient of one
    backward of a fixed random projection of the output."""
    model.zero_grad()
    x = x.clone().requires_grad_()
    out = model(x)
    weights = torch.randn(out.shape, dtype=out.dtype,
                          generator=torch.Generator().manual_seed(1))
    (out * weights).sum().backward()
    return [out, x.grad] + [p.grad for p in model.parameters()]


@pytest.mark.parametrize('layout, block', [('openpose137', 0),
                                           ('openpose22', 1)])
def test_attention_equals_reference_forward_and_grads(layout, block,
                                                      monkeypatch):
    """Forward and all gradients within 1e-5 of the pre-speed-work code."""
    attention = build(layout).blocks[block].attention
    randomize_(attention)
    joints = get_layout(layout).num_joints
    x = torch.randn(6, joints, attention.norm.normalized_shape[0],
                    generator=torch.Generator().manual_seed(2))
    ours = outputs_and_grads(attention, x)
    monkeypatch.setattr(type(attention), 'forward', reference_attention)
    expected = outputs_and_grads(attention, x)
    for value, reference in zip(ours, expected):
        torch.testing.assert_close(value, reference, rtol=1e-5, atol=1e-5)


def test_backbone_equals_reference_forward_and_grads(monkeypatch):
    """The whole 137-joint backbone (train mode, batch statistics) with
    every block's attention swapped for the reference: same output and
    gradients within 1e-5, relative and of the largest value absolute
    (float32 sums over ten blocks: a gradient that is 0 exactly, as a conv
    bias before BatchNorm, comes out as a cancelling sum of terms of that
    size, and the sum's order depends on the CPU's kernels). Checkpoints
    hold parameters and BatchNorm
    statistics only (layout-derived buffers stay out), so those saved
    before the speed work load unchanged."""
    model = build('openpose137', num_person=1)
    randomize_(model)
    x = skeletons('openpose137', samples=2, frames=8)
    ours = outputs_and_grads(model, x)
    buffers = set(model.state_dict()) - {
        name for name, _ in model.named_parameters()}
    attention_type = type(model.blocks[0].attention)
    monkeypatch.setattr(attention_type, 'forward', reference_attention)
    expected = outputs_and_grads(model, x)
    largest = max(float(reference.abs().max()) for reference in expected)
    for value, reference in zip(ours, expected):
        torch.testing.assert_close(value, reference, rtol=1e-5,
                                   atol=1e-5 * largest)
    assert buffers and all(
        k.rsplit('.', 1)[1] in ('running_mean', 'running_var',
                                'num_batches_tracked') for k in buffers)


def permuted_layout(layout: JointLayout, order: np.ndarray) -> JointLayout:
    """New joint i is old joint order[i]; limbs, parts, flips follow."""
    new_index = np.argsort(order)

    def remap(pairs):
        return tuple((int(new_index[a]), int(new_index[b])) for a, b in pairs)

    return JointLayout(
        name=f'{layout.name}_permuted',
        joint_names=tuple(layout.joint_names[i] for i in order),
        flip_pairs=remap(layout.flip_pairs),
        limbs=remap(layout.limbs),
        parts=tuple(layout.parts[i] for i in order))


def permute_joint_parameters(state: dict, order: np.ndarray,
                             channels: int) -> dict:
    """Reorder the joint-indexed weights: input BN and structural term."""
    permuted = {}
    for key, value in state.items():
        if key.startswith('data_bn.') and value.dim() == 1:
            value = value.view(-1, channels)[order].flatten()
        elif key.endswith('attention.structural'):
            value = value[:, order][:, :, order]
        permuted[key] = value
    return permuted


def test_joint_permutation_with_permuted_layout_permutes_output():
    layout = get_layout('openpose137')
    order = np.random.default_rng(0).permutation(layout.num_joints)
    model = build(layout)
    randomize_(model)
    permuted = build(permuted_layout(layout, order))
    permuted.load_state_dict(
        permute_joint_parameters(model.state_dict(), order, channels=3))
    assert not torch.equal(permuted.blocks[0].attention.hop_distance,
                           model.blocks[0].attention.hop_distance)
    model.eval()
    permuted.eval()
    x = skeletons('openpose137', samples=1, frames=4)
    with torch.no_grad():
        expected = model(x)[..., order]
        out = permuted(x[..., order, :])
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-4)


def test_checkpointing_and_chunking_do_not_change_outputs_or_grads():
    plain = build('openpose22')
    randomize_(plain)
    memory_saving = build('openpose22', with_cp=True, attn_chunk_size=3)
    memory_saving.load_state_dict(plain.state_dict())
    x = skeletons('openpose22', frames=8)
    results = []
    for model in (plain, memory_saving):
        out = model(x)
        out.square().mean().backward()
        results.append((out, [p.grad for p in model.parameters()]))
    torch.testing.assert_close(results[1][0], results[0][0])
    for grad_saving, grad_plain in zip(results[1][1], results[0][1]):
        torch.testing.assert_close(grad_saving, grad_plain)


def test_all_zero_skeletons_give_finite_outputs_and_grads():
    model = build('openpose137')
    out = model(torch.zeros(2, 2, 4, 137, 3))
    out.sum().backward()
    assert torch.isfinite(out).all()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize('shape, message', [
    ((1, 1, 4, 25, 3), r'25 joints but layout .coco17. has 17'),
    ((1, 3, 4, 17, 3), r'3 persons .* num_person=2'),
    ((1, 1, 4, 17, 2), r'2 channels per joint but in_channels=3'),
    ((1, 4, 17, 3), r'\(N, M, T, V, C\)'),
])
def test_bad_input_shapes_name_the_fix(shape, message):
    with pytest.raises(ValueError, match=message):
        build()(torch.zeros(shape))


def test_nan_input_names_the_samples():
    x = skeletons(samples=3)
    x[2, 0, 1, 5, 0] = float('nan')
    with pytest.raises(ValueError, match=r'Samples \[2\] .*NaN.*score'):
        build()(x)


@pytest.mark.parametrize('kwargs, message', [
    (dict(hyperedges=[[0, 1], []]), r'hyperedges\[1\] is empty'),
    (dict(hyperedges=[[0, 17]]), r'joints \[17\] outside 0..16'),
    (dict(num_heads=3), 'num_heads=3 must divide'),
    (dict(out_indices=(3, )), r'out_indices \[3\] are outside'),
    (dict(data_bn_type='NC'), "data_bn_type='NC'"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build(**kwargs)
