"""Hooks ``M2HENRunner`` adds: per-epoch seeding and a cross-rank check."""
import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import set_random_seed

from mmaction.registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seed Python, NumPy and torch from (seed, epoch, rank) at each epoch.

    Each training epoch's randomness (augmentation in the main process,
    dropout) then depends only on the run's seed and the epoch, not on what
    ran before (validation's own seeding, data-loader construction), so
    ``--resume`` from an epoch checkpoint continues exactly as the
    uninterrupted run. Workers are seeded by mmengine's ``worker_init_fn``;
    with ``persistent_workers=True`` their state carries across epochs and
    resume is not exact.
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        """Seed for ``runner.epoch``; distinct per rank when the run's seeds
        are (``randomness.diff_rank_seed``)."""
        set_random_seed(runner.seed + runner.epoch * runner.world_size)


@HOOKS.register_module()
class RankAgreementHook(Hook):
    """After distributed training, check every rank holds rank 0's weights.

    DDP keeps parameters in step and ``SyncBuffersHook`` the buffers (BN
    statistics); a run where they diverge (a non-deterministic op, a missing
    hook) trains a different model on each rank and saves only rank 0's.
    Raises ``RuntimeError`` naming the tensors that differ.
    """

    priority = 'VERY_LOW'

    def after_train(self, runner) -> None:
        """Compare each parameter and buffer with rank 0's (one broadcast
        per tensor) and log the result."""
        if not is_distributed():
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        differing = []
        for name, tensor in model.state_dict().items():
            reference = tensor.detach().clone()
            torch_dist.broadcast(reference, src=0)
            if not torch.equal(reference, tensor):
                differing.append(name)
        counts = torch.tensor([len(differing)], device=next(
            iter(model.state_dict().values())).device)
        torch_dist.all_reduce(counts)
        if counts.item():
            raise RuntimeError(
                f'Rank {runner.rank} ends with weights that differ from rank '
                f'0 in {differing[:5] or "other ranks"}.')
        runner.logger.info(f'All {runner.world_size} ranks hold identical '
                           'weights and buffers.')
