"""The RL engine room: how a step's tokens are drawn and its log-probs computed, fast, on the model's own numbers.

A reader of the algorithm (``rl/trainer.py``, ``rl/algos.py``) never needs these modules; ``rl/rollout.py`` calls them.

- ``generation``: the KV-cached batched sampling loop (one prefill per distinct prompt, then one token a step).
- ``llama_decode``: a lean one-token decode step for Llama-architecture models (used by ``generation``).
- ``llama_train``: a lean shared-prompt training forward for Llama-architecture models.
- ``llama_layers``: what those two share (which models they know, weight fusing, RMSNorm, rotary angles).
- ``shared_prefix``: the shared-prompt training forward for any causal LM whose cache can be indexed by rows.
- ``token_logp``: per-token log-probs and entropy in one autograd function.
"""
