"""Command `mathreward curate`: raw math problems -> DAPO-style integer-answer parquet."""

from __future__ import annotations

import argparse
import os

from mathreward.cli_options import HIDDEN, add_command, add_output, add_progress, add_workers, positive_int, print_next
from mathreward.preflight import check_not_an_input, check_output_file


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `curate` subcommand."""
    parser = add_command(
        subparsers,
        "curate",
        help="curate raw problems into DAPO-style integer-answer parquet",
        description="Load raw problems, keep or rewrite every answer as a verified integer, deduplicate, "
        "decontaminate, and write verl/DAPO parquet plus a report.",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="jsonl/json/parquet/csv file, datasets folder or hub id"
    )
    add_output(parser, "output parquet file")
    parser.add_argument(
        "--prompt-field",
        dest="problem_field",
        help="dotted field with the problem text (default: the first of problem, question, prompt present)",
    )
    parser.add_argument("--problem-field", dest="problem_field", help=HIDDEN)
    parser.add_argument(
        "--gold-field",
        dest="answer_field",
        help="dotted field with the gold answer (default: answer or final_answer, else the solution's last \\boxed{})",
    )
    parser.add_argument("--answer-field", dest="answer_field", help=HIDDEN)
    parser.add_argument(
        "--solution-field",
        help="dotted field with a solution whose last \\boxed{} is the answer (default: solution, when present)",
    )
    parser.add_argument("--template", choices=("dapo", "boxed"), default="dapo", help="prompt template")
    parser.add_argument(
        "--data-source", help="value of the data_source column (default: math_dapo, or lighteval/MATH with boxed)"
    )
    parser.add_argument(
        "--decontaminate", nargs="+", default=[], metavar="FILE", help="evaluation sets to remove (default: none)"
    )
    parser.add_argument(
        "--placeholder",
        type=int,
        action="append",
        default=[],
        metavar="INT",
        help="treat this integer answer as a placeholder and reject it (e.g. --placeholder -1); repeatable "
        "(default: none)",
    )
    parser.add_argument(
        "--language", action="append", default=[], help="keep only these language tags (en, zh) (default: all)"
    )
    parser.add_argument("--no-near-dup", action="store_true", help="exact dedup only (skip MinHash LSH)")
    parser.add_argument(
        "--llm-url", help="OpenAI-compatible base URL for rewriting what no rule covers (default: rules only)"
    )
    parser.add_argument("--llm-model", help="model name for --llm-url (default: none; required with --llm-url)")
    parser.add_argument("--llm-key-env", default="MATHREWARD_LLM_KEY", help="env var holding the API key")
    parser.add_argument("--llm-cache", default=".mathreward_llm_cache.jsonl", help="on-disk cache of LLM replies")
    parser.add_argument("--llm-concurrency", type=positive_int, default=4, help="parallel LLM requests")
    parser.add_argument(
        "--pass-rates",
        metavar="SCORED",
        help="scored rollouts (rl sample + score, or a trainer's dump): keep problems by their pass rate "
        "(default: no pass-rate filter)",
    )
    parser.add_argument(
        "--keep-pass-rate",
        default="0:1",
        metavar="LO:HI",
        help="with --pass-rates: keep problems with LO < pass rate < HI (default 0:1 drops never/always solved)",
    )
    parser.add_argument(
        "--correct-field",
        default="correct",
        help="with --pass-rates: the solved flag (a boolean, or a reward > 0)",
    )
    add_workers(parser, legacy=("--num-proc",))
    parser.add_argument(
        "--report", metavar="DIR", help="write report.json, rejected.jsonl and PNG plots here (default: no report)"
    )
    add_progress(parser, legacy=("--quiet",))
    parser.add_argument(
        "--ray", action="store_true", help="row steps on Ray Data (pip install 'mathreward[ray]'); same output"
    )
    parser.add_argument("--ray-address", help="Ray cluster to join (default: a local Ray started for the run)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the curation; a one-line ``UserError`` on bad input, with no output file left behind."""
    from mathreward.curation.curate import curate
    from mathreward.curation.loading import CurationError
    from mathreward.curation.pass_rates import parse_range
    from mathreward.curation.report import summary_lines

    inputs = [*args.inputs, *args.decontaminate, args.pass_rates]
    check_output_file(args.output, inputs)
    if args.report:
        check_not_an_input(args.report, inputs)
    keep_pass_rate = parse_range(args.keep_pass_rate)
    workers = args.workers or os.cpu_count() or 1
    llm = None
    if args.llm_url or args.llm_model:
        if not (args.llm_url and args.llm_model):
            raise CurationError("--llm-url and --llm-model must be given together")
        from mathreward.curation.llm import LLMRewrite

        llm = LLMRewrite(
            url=args.llm_url,
            model=args.llm_model,
            key_env=args.llm_key_env,
            cache_path=args.llm_cache,
            concurrency=args.llm_concurrency,
        )
    report, _ = curate(
        args.inputs,
        args.output,
        problem_field=args.problem_field,
        answer_field=args.answer_field,
        solution_field=args.solution_field,
        template=args.template,
        data_source=args.data_source,
        decontaminate=args.decontaminate,
        placeholders=tuple(args.placeholder),
        languages=tuple(args.language),
        near_dup=not args.no_near_dup,
        llm=llm,
        num_proc=workers,
        report_dir=args.report,
        progress=not args.no_progress,
        ray_address=args.ray_address,
        use_ray=args.ray,
        pass_rates=args.pass_rates,
        keep_pass_rate=keep_pass_rate,
        correct_field=args.correct_field,
    )
    for line in summary_lines(report):
        print(line)
    print(f"wrote {report['rows_out']} rows to {args.output}" + (f"; report in {args.report}" if args.report else ""))
    print_next(args.output, f"mathreward rl train {args.output} --model MODEL -o rl_out")
    return 0
