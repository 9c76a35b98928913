"""The scoring application: score files of rollouts, report on them, verify one answer, serve a reward over HTTP.

``mathreward.rewards`` holds the reward functions and the trainer adapters; this package is the command-line and
file-level application built on them (``commands.py`` is its front end).

- ``spec`` (what a file's scoring reads and builds, ``ScoreSpec``), ``batches`` (score one batch of rows),
  ``score_files`` (files on one machine, in worker processes), ``ray_score`` (the same on Ray), ``summary`` (the
  printed summary), ``report`` (``verify-report``), ``demo``.
"""
