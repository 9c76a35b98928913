"""A curation run: load, then a list of steps, each counted; the kept rows go to the writer, the rest to the report."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from mathreward.curation.steps import Classify, GoldAnswer, IntegerTransform, Normalise, Step, StepStats

if TYPE_CHECKING:
    import pyarrow as pa

CHUNK = 256


def _apply_chunk(payload):
    step, chunk = payload
    return [step.process_row(record) for record in chunk]


class Context:
    """What steps share: an optional process pool, progress bars, and notes for the report."""

    def __init__(self, num_proc: int = 1, progress: bool = True):
        self.num_proc = max(1, int(num_proc))
        self.show_progress = progress
        self.notes: dict[str, dict] = {}
        self._pool = None

    def progress(self, iterable: Iterable[Any], desc: str, total: int | None = None) -> Iterable[Any]:
        """Wrap an iterable in a tqdm bar (stderr) unless progress is off."""
        if not self.show_progress:
            return iterable
        return self._bar(desc, iterable, total)

    @staticmethod
    def _bar(desc: str, iterable=None, total: int | None = None) -> Any:
        from tqdm import tqdm

        return tqdm(iterable, desc=desc, total=total, unit="row", file=sys.stderr, leave=False, mininterval=0.5)

    def map(self, step: Step, records: list[dict]) -> list[dict]:
        """Apply a row-local step to every record, in order, in worker processes when num_proc > 1."""
        if self.num_proc == 1 or len(records) < 2 * CHUNK:
            return [step.process_row(record) for record in self.progress(records, step.name)]
        if self._pool is None:
            import os

            from multiprocess.pool import Pool

            from mathreward.signals import worker_start

            self._pool = Pool(self.num_proc, initializer=worker_start, initargs=(os.getpid(),))
        chunks = [records[i : i + CHUNK] for i in range(0, len(records), CHUNK)]
        out: list[dict] = []
        bar = self._bar(step.name, total=len(records)) if self.show_progress else None
        for result in self._pool.imap(_apply_chunk, [(step, chunk) for chunk in chunks]):
            out.extend(result)
            if bar is not None:
                bar.update(len(result))
        if bar is not None:
            bar.close()
        return out

    def note(self, step_name: str, **extra: Any) -> None:
        """Attach report details to a step."""
        self.notes.setdefault(step_name, {}).update(extra)

    def close(self, abort: bool = False) -> None:
        """Let the workers finish and end (``abort``: end them now, e.g. on Ctrl-C or SIGTERM)."""
        if self._pool is not None:
            if abort:
                self._pool.terminate()
            else:
                self._pool.close()
            self._pool.join()
            self._pool = None


def _apply_payloads(table: Any, step: Step) -> pa.Table:
    """Ray Data batch function: each ``payload`` is a pickled chunk of records; returns the processed chunks."""
    import pickle

    import pyarrow as pa

    if not isinstance(table, pa.Table):  # map_batches(batch_format="pyarrow") gives Tables
        raise TypeError(f"expected a pyarrow Table batch, got {type(table).__name__}")

    out = [pickle.dumps(_apply_chunk((step, pickle.loads(payload)))) for payload in table.column("payload").to_pylist()]
    return pa.table({"payload": pa.array(out, type=pa.large_binary())})


class RayContext(Context):
    """A Context whose row-local steps run on Ray Data (a local Ray, or the cluster at ``address``): records travel
    in pickled chunks, come back in input order, and the global steps (dedup, decontamination) stay on the driver,
    so the output is the one a single-machine run writes."""

    def __init__(self, address: str | None = None, cpus: int | None = None, progress: bool = True):
        from mathreward.ray_support import start_ray

        self._ray, self._started = start_ray(address, cpus)
        cluster_cpus = int(self._ray.cluster_resources().get("CPU", 1))
        super().__init__(num_proc=max(2, cluster_cpus), progress=progress)  # > 1: row steps are fused

    def map(self, step: Step, records: list[dict]) -> list[dict]:
        """Apply a row-local step to every record on Ray Data, in order."""
        import pickle

        import ray.data

        from mathreward.ray_support import quiet_data_context

        if len(records) < 2 * CHUNK:
            return [step.process_row(record) for record in records]
        quiet_data_context(self.show_progress)
        chunks = [{"payload": pickle.dumps(records[i : i + CHUNK])} for i in range(0, len(records), CHUNK)]
        dataset = ray.data.from_items(chunks).map_batches(
            partial(_apply_payloads, step=step), batch_size=1, batch_format="pyarrow"
        )
        out: list[dict] = []
        for row in dataset.iter_rows():  # one row per chunk, in input order
            out.extend(pickle.loads(row["payload"]))
        if len(out) != len(records):
            raise RuntimeError(f"Ray returned {len(out)} rows for {len(records)}")
        return out

    def close(self, abort: bool = False) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


@dataclass
class CurationResult:
    """Kept rows (input order), rejected rows (with reasons) and per-step statistics."""

    kept: list[dict]
    rejected: list[dict]
    stats: list[StepStats]
    rows_in: int


def default_steps(
    placeholders: tuple[int, ...] = (),
    languages: tuple[str, ...] = (),
    llm: Step | None = None,
    decontaminate: list[str] | None = None,
    near_dup: bool = True,
    pass_rates: Step | None = None,
) -> list[Step]:
    """The standard run: ``gold -> normalise -> classify -> transform [-> llm] -> dedup [-> decontaminate]
    [-> pass_rate]``."""
    from mathreward.curation.decontam import Decontaminate
    from mathreward.curation.dedup import Dedup

    steps: list[Step] = [
        GoldAnswer(),
        Normalise(languages=languages),
        Classify(),
        IntegerTransform(placeholders=placeholders, llm_enabled=llm is not None),
    ]
    if llm is not None:
        steps.append(llm)
    steps.append(Dedup(near=near_dup))
    if decontaminate:
        steps.append(Decontaminate(decontaminate))
    if pass_rates is not None:
        steps.append(pass_rates)
    return steps


class FusedRowSteps(Step):
    """Consecutive row-local steps applied in one pass per record (one trip to a worker process instead of one per
    step); a record stops at the first step that rejects it, which is noted in ``rejected_at``."""

    row_local = True

    def __init__(self, steps: list[Step]):
        self.steps = steps
        self.name = "+".join(step.name for step in steps)

    def process_row(self, record: dict) -> dict:
        for step in self.steps:
            record = step.process_row(record)
            if "reject" in record:
                record["rejected_at"] = step.name
                break
        return record


def _groups(steps: list[Step], fuse: bool) -> list[list[Step]]:
    groups: list[list[Step]] = []
    for step in steps:
        if fuse and step.row_local and groups and groups[-1][-1].row_local:
            groups[-1].append(step)
        else:
            groups.append([step])
    return groups


def run_steps(records: list[dict], steps: list[Step], context: Context) -> CurationResult:
    """Run the steps in order; each sees only the rows every earlier step kept.

    With worker processes, consecutive row-local steps are fused into one pass (records travel once); the
    per-step counts are the same either way."""
    rows_in = len(records)
    rejected: list[dict] = []
    stats: list[StepStats] = []
    for group in _groups(steps, fuse=context.num_proc > 1):
        started = time.perf_counter()
        runner = group[0] if len(group) == 1 else FusedRowSteps(group)
        processed = runner.run(records, context)
        seconds = round(time.perf_counter() - started, 3)
        for step in group:
            stat = StepStats(step.name, n_in=len(records))
            stat.extra["seconds"] = seconds if len(group) == 1 else None
            records = []
            for record in processed:
                if "reject" in record and record.setdefault("rejected_at", step.name) == step.name:
                    stat.rejects[record["reject"]] += 1
                    rejected.append(record)
                elif "reject" not in record or record["rejected_at"] != step.name:
                    records.append(record)
            processed = records
            stat.n_out = len(records)
            stat.extra.update(context.notes.get(step.name, {}))
            stats.append(stat)
        records = [r for r in records if "reject" not in r]
    rejected.sort(key=lambda r: r["idx"])
    return CurationResult(kept=records, rejected=rejected, stats=stats, rows_in=rows_in)
