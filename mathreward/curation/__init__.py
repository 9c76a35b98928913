"""Curation (``mathreward curate``): raw math problems -> a DAPO-style, integer-answer, deduplicated parquet.

- run: ``curate`` (one call for a whole run), ``pipeline`` (load, then counted steps), ``steps`` (the steps),
  ``commands`` (the command line), ``demo``.
- read: ``loading`` (files, saved datasets, hub ids), ``problem_text`` (problem-text normalisation), ``answers``
  (gold answers read through the verifiers and classified).
- rewrite: ``rewrite_rules`` (verified integer rewrites of non-integer answers), ``answer_format`` (what a problem
  asks of its answer's form), ``llm`` (optional LLM rewrite for answers no rule covers).
- filter: ``dedup`` (exact and near duplicates), ``decontam`` (n-gram overlap with evaluation sets).
- write: ``writer`` (the verl-schema parquet), ``report`` (JSON counts, plots, a terminal summary).
"""
