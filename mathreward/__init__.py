"""mathreward: math answer verifiers, DAPO-style curation, a generative pairwise reward model and an embedded
PPO/DAPO loop, exposed as reward functions for any trainer.

The one import name of the distribution. Subpackages: ``mathreward.verifiers``, ``mathreward.rewards``,
``mathreward.rl``, ``mathreward.curation``, ``mathreward.reward_models``; the command line is ``mathreward.cli``.
Importing this package is light: it imports none of its subpackages.
"""

__version__ = "0.1.0"
