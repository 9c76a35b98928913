"""mathreward: math answer verifiers, DAPO-style curation, a generative pairwise reward model and an embedded
PPO/DAPO loop, exposed as reward functions for any trainer.

The one import name of the distribution. Subpackages, bottom to top (imports run one way):

- ``mathreward.verifiers``: is this response's final answer the gold answer (exact, bounded, sympy isolated).
- ``mathreward.rewards``: reward functions built on the verifiers, by name, and the adapters for verl, TRL, OpenRLHF.
- ``mathreward.curation``: raw problems to a DAPO-style training set (``mathreward curate``).
- ``mathreward.reward_models``: the generative pairwise reward model and its Bradley-Terry baseline (``mathreward rm``).
- ``mathreward.rl``: the embedded PPO / GRPO / DAPO loop and ``rl sample`` (``mathreward rl``).
- ``mathreward.scoring``: score files of rollouts, report on them, serve a reward over HTTP (``mathreward score``).

Shared modules: ``tables`` (reading and writing tables of rows), ``parquet_parts`` (joining parquet files by bytes),
``devices`` (device and dtype choice), ``figures`` (PNG figures, written atomically), ``divergence`` (training that
diverges stops), ``ray_support`` (Ray for the commands that scale out), ``signals`` (how a run stops), ``temp_files``
(temp files and dead runs' leftovers), ``errors`` (``UserError``), ``preflight`` (checks before any work); the command
line is ``mathreward.cli`` with ``cli_options`` (the options every subcommand shares).

Importing this package is light: it imports none of its subpackages.
"""

__version__ = "0.1.0"
