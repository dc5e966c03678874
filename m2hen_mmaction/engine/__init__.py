"""Training runtime: ``M2HENRunner`` (``runner_type``) and the hooks our
configs' ``default_runtime.py`` adds."""
from .hooks import EpochSeedHook, RankAgreementHook
from .runner import M2HENRunner, TrainingSetupError

__all__ = ['EpochSeedHook', 'M2HENRunner', 'RankAgreementHook',
           'TrainingSetupError']
