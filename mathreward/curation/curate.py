"""One call that runs a whole curation: load inputs, run the steps, write the parquet, write the report."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mathreward.curation.loading import CurationError, load_records
from mathreward.curation.pipeline import Context, CurationResult, default_steps, run_steps
from mathreward.curation.problem_text import LANGUAGES
from mathreward.curation.report import build_report, write_report
from mathreward.curation.steps import Step
from mathreward.curation.writer import TEMPLATES, write_parquet


def curate(
    inputs: list[str],
    output: str | Path | None,
    *,
    problem_field: str | None = None,
    answer_field: str | None = None,
    solution_field: str | None = None,
    template: str = "dapo",
    data_source: str | None = None,
    decontaminate: list[str] | None = None,
    placeholders: tuple[int, ...] = (),
    languages: tuple[str, ...] = (),
    near_dup: bool = True,
    llm: Step | None = None,
    num_proc: int = 1,
    report_dir: str | Path | None = None,
    progress: bool = True,
    ray_address: str | None = None,
    use_ray: bool = False,
    pass_rates: str | Path | None = None,
    keep_pass_rate: tuple[float, float] = (0.0, 1.0),
    correct_field: str = "correct",
) -> tuple[dict, CurationResult]:
    """Curate raw problems into an integer-answer parquet at ``output``; returns (report, result).

    ``pass_rates``: a scored rollouts file; only problems with ``keep_pass_rate[0] < pass rate <
    keep_pass_rate[1]`` are kept (``curation.pass_rates``). Raises CurationError (one-line message) on bad input;
    nothing is written in that case.
    """
    unknown = [tag for tag in languages if tag not in LANGUAGES]
    if unknown:  # a tag no row can have would reject every row
        raise CurationError(f"unknown --language {unknown[0]!r}; choose from {', '.join(LANGUAGES)}")
    if template not in TEMPLATES:
        raise CurationError(f"unknown template {template!r}; choose from {sorted(TEMPLATES)}")
    if output is not None:
        parent = Path(output).resolve().parent
        if not parent.is_dir():
            raise CurationError(f"{output}: output folder does not exist")
        if not os.access(parent, os.W_OK):
            raise CurationError(f"{output}: output folder is not writable")
    for path in decontaminate or []:
        if not Path(path).exists():
            raise CurationError(f"{path}: decontamination file not found")
    rate_filter = None
    if pass_rates is not None:
        from mathreward.curation.pass_rates import PassRateFilter, read_pass_rates

        rates = read_pass_rates(pass_rates, correct_field)
        rate_filter = PassRateFilter(rates, keep_pass_rate, str(pass_rates))
    started = time.perf_counter()
    records = load_records(inputs, problem_field, answer_field, solution_field)
    steps = default_steps(placeholders, languages, llm, decontaminate, near_dup, rate_filter)
    if use_ray:  # row-local steps on Ray Data, dedup/decontamination here (same output)
        from mathreward.curation.pipeline import RayContext

        context = RayContext(ray_address, None if ray_address else num_proc if num_proc > 1 else None, progress)
    else:
        context = Context(num_proc=num_proc, progress=progress)
    try:
        result = run_steps(records, steps, context)
    except BaseException:  # a failure, Ctrl-C, SIGTERM: the workers end now
        context.close(abort=True)
        raise
    context.close()
    if output is not None:
        write_parquet(result.kept, output, template, data_source)
    report = build_report(
        result, [str(p) for p in inputs], str(output) if output else None, time.perf_counter() - started
    )
    if report_dir is not None:
        write_report(report, result, report_dir)
    return report, result
