"""The embedded RL loop (``mathreward rl``): PPO, GRPO, DAPO, VC-PPO, VAPO, T-PPO and Pairwise-PPO on causal LMs.

- the algorithm: ``presets`` (``RLConfig`` and the named presets), ``algos`` (advantages, policy losses, KL
  penalties, aggregations, in registries), ``trainer`` (rollout -> reward -> advantages -> updates), ``critic``
  (value models), ``dynamic_sampling`` (DAPO: keep the prompt groups whose responses disagree).
- data and rollouts: ``data`` (training prompts from a curated parquet), ``rollout`` (sampled responses as records
  and tensors), ``sample_rollouts`` (``rl sample``: K responses per problem from a checkpoint), ``toy_task``.
- the engine room, ``engine/``: sampling loop, lean Llama decode and training forwards, shared-prompt forwards,
  token log-probs (see ``rl/engine/__init__.py``); ``rollout`` is its one caller.
- output: ``reporting`` (TensorBoard, Weights & Biases), ``curves`` (PNG curves); ``commands`` (the command line),
  ``demo`` (the RL demo).
"""
