"""Command `mathreward curate`: raw math problems -> DAPO-style integer-answer parquet."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `curate` subcommand."""
    parser = subparsers.add_parser(
        "curate",
        help="curate raw problems into DAPO-style integer-answer parquet",
        description="Load raw problems, keep or rewrite every answer as a verified integer, deduplicate, "
        "decontaminate, and write verl/DAPO parquet plus a report.",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="jsonl/json/parquet/csv file, datasets folder or hub id"
    )
    parser.add_argument("-o", "--output", required=True, help="output parquet file")
    parser.add_argument("--problem-field", help="dotted field with the problem (default: problem/question/prompt)")
    parser.add_argument("--answer-field", help="dotted field with the gold answer (default: answer/final_answer)")
    parser.add_argument("--solution-field", help="dotted field with a solution whose last \\boxed{} is the answer")
    parser.add_argument("--template", choices=("dapo", "boxed"), default="dapo", help="prompt template (default dapo)")
    parser.add_argument("--data-source", help="value of the data_source column (default math_dapo / lighteval/MATH)")
    parser.add_argument("--decontaminate", nargs="+", default=[], metavar="FILE", help="evaluation sets to remove")
    parser.add_argument(
        "--placeholder",
        type=int,
        action="append",
        default=[],
        metavar="INT",
        help="treat this integer answer as a placeholder and reject it (e.g. --placeholder -1); repeatable",
    )
    parser.add_argument("--language", action="append", default=[], help="keep only these language tags (en, zh)")
    parser.add_argument("--no-near-dup", action="store_true", help="exact dedup only (skip MinHash LSH)")
    parser.add_argument("--llm-url", help="OpenAI-compatible base URL for rewriting what no rule covers")
    parser.add_argument("--llm-model", help="model name for --llm-url")
    parser.add_argument("--llm-key-env", default="MATHREWARD_LLM_KEY", help="env var holding the API key")
    parser.add_argument("--llm-cache", default=".mathreward_llm_cache.jsonl", help="on-disk cache of LLM replies")
    parser.add_argument("--llm-concurrency", type=int, default=4, help="parallel LLM requests (default 4)")
    parser.add_argument(
        "--pass-rates",
        metavar="SCORED",
        help="scored rollouts (rl sample + score, or a trainer's dump): keep problems by their pass rate",
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
        help="with --pass-rates: the solved flag (a boolean, or a reward > 0) (default: correct)",
    )
    parser.add_argument("--num-proc", type=int, default=1, help="worker processes for row steps (default 1)")
    parser.add_argument("--report", metavar="DIR", help="write report.json, rejected.jsonl and PNG plots here")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--ray", action="store_true", help="row steps on Ray Data (pip install 'mathreward[ray]'); same output"
    )
    parser.add_argument("--ray-address", help="Ray cluster to join (default: a local Ray started for the run)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the curation; one-line error and exit code 2 on bad input, with no output file left behind."""
    from mathreward.curation.curate import curate
    from mathreward.curation.loading import CurationError
    from mathreward.curation.pass_rates import parse_range
    from mathreward.curation.report import summary_lines
    from mathreward.ray_support import RayUnavailable

    llm = None
    try:
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
        if args.num_proc < 1:
            raise CurationError("--num-proc must be at least 1")
        keep_pass_rate = parse_range(args.keep_pass_rate)
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
            num_proc=args.num_proc,
            report_dir=args.report,
            progress=not args.quiet,
            ray_address=args.ray_address,
            use_ray=args.ray,
            pass_rates=args.pass_rates,
            keep_pass_rate=keep_pass_rate,
            correct_field=args.correct_field,
        )
    except (CurationError, RayUnavailable) as exc:
        print(f"mathreward curate: {exc}", file=sys.stderr)
        return 2
    for line in summary_lines(report):
        print(line)
    print(f"wrote {report['rows_out']} rows to {args.output}" + (f"; report in {args.report}" if args.report else ""))
    return 0
