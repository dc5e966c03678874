# AdamW + cosine, 12 epochs at batch 16: transformers (EHCT) train poorly
# with plain SGD over so few epochs.
_base_ = ['./sgd_cosine_12e_1xb16.py']
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=2e-3, weight_decay=0.01))
