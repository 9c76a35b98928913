"""The reward-model training loop: plain PyTorch on transformers, one loop for every objective.

AdamW, linear warm-up then cosine decay, gradient accumulation, gradient clipping, mixed precision on GPU (bf16, or
fp16 with loss scaling), checkpoints (safetensors + reward-model JSON + optimizer/scheduler/step state) and resume.
The loop goes through ``accelerate.Accelerator`` for device placement and precision, so the same code runs as a
plain ``python``/``mathreward`` process on CPU or one GPU and under ``accelerate launch`` (DDP, FSDP, DeepSpeed) on
several; data order is a seeded permutation per epoch, sharded by process, so a resumed run sees the same batches.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mathreward.divergence import check_finite, check_parameters
from mathreward.reward_models.bt_model import BTRewardModel
from mathreward.reward_models.calibration import fit_temperature, judge_warning
from mathreward.reward_models.checkpoint_files import load_tokenizer, write_rm_config
from mathreward.reward_models.data import PreferencePair, split_pairs
from mathreward.reward_models.objectives import get_objective
from mathreward.reward_models.pairwise_model import PairwiseRM, order_probability
from mathreward.reward_models.train_config import TrainConfig, size_defaults
from mathreward.temp_files import folder_written_beside

STATE_NAME = "trainer_state.pt"


def resolve_size_defaults(config: TrainConfig, parameters: int) -> TrainConfig:
    """``config`` with its unset ``lr`` / ``epochs`` chosen by the model's size (``train_config.size_defaults``)."""
    lr, epochs = size_defaults(parameters)
    return replace(
        config, lr=lr if config.lr is None else config.lr, epochs=epochs if config.epochs is None else config.epochs
    )


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def epoch_batches(n_examples: int, batch_size: int, epoch: int, seed: int) -> list[list[int]]:
    """The micro-batches (lists of example indices) of one epoch: a seeded permutation cut into chunks."""
    order = np.random.default_rng(seed + epoch).permutation(n_examples).tolist()
    return [order[i : i + batch_size] for i in range(0, n_examples, batch_size)]


def step_groups(n_examples: int, config: TrainConfig, epoch: int, rank: int, world: int) -> list[list[list[int]]]:
    """This process's optimizer steps of one epoch, each a list of ``grad_accum`` micro-batches.

    With several processes the epoch's micro-batches are cut to a multiple of the process count and dealt out, so
    every process runs the same number of steps.
    """
    batches = epoch_batches(n_examples, config.batch_size, epoch, config.seed)
    if world > 1:
        batches = batches[: len(batches) - len(batches) % world][rank::world]
    return [batches[i : i + config.grad_accum] for i in range(0, len(batches), config.grad_accum)]


def validation_probability_fn(
    wrapper: PairwiseRM | BTRewardModel, pairs: list[PreferencePair], batch_size: int = 16
) -> Callable[[float], np.ndarray]:
    """``T -> P(chosen better)`` on ``pairs`` for a PairwiseRM or BTRewardModel (one forward pass, then cheap)."""
    prompts = [p.prompt for p in pairs]
    chosen, rejected = [p.chosen for p in pairs], [p.rejected for p in pairs]
    refs = [p.reference for p in pairs]
    if isinstance(wrapper, BTRewardModel):
        diffs = wrapper.score_diffs(prompts, chosen, rejected, refs, batch_size=batch_size)
        return lambda t: 1.0 / (1.0 + np.exp(-diffs / t))
    diff_ab, diff_ba = wrapper.order_logit_diffs(prompts, chosen, rejected, refs, batch_size=batch_size)
    return lambda t: order_probability(diff_ab, diff_ba, t)


def build_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW; weight decay on matrices only (not on norms and biases)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.ndim < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    assert config.lr is not None, "resolve_size_defaults sets the learning rate"
    return torch.optim.AdamW(groups, lr=config.lr)


def save_checkpoint(
    folder: Path,
    wrapper: PairwiseRM | BTRewardModel,
    accelerator: Any,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    state: dict,
) -> None:
    """Weights + tokenizer + reward-model JSON, and the optimizer / scheduler / step state for ``--resume``.

    Every process calls this: ``get_state_dict`` gathers sharded weights (FSDP, DeepSpeed ZeRO-3) on all ranks, then
    the main process writes. The optimizer state is this process's; resume is for single-process and DDP runs.
    """
    state_dict = accelerator.get_state_dict(model)
    if accelerator.is_main_process:
        with folder_written_beside(folder) as target:  # a new checkpoint appears whole or not at all
            accelerator.unwrap_model(model).save_pretrained(str(target), state_dict=state_dict, safe_serialization=True)
            wrapper.tokenizer.save_pretrained(str(target))
            write_rm_config(target, wrapper.config_dict())
            torch.save(
                {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), **state}, target / STATE_NAME
            )
    accelerator.wait_for_everyone()


def train_reward_model(pairs: list[PreferencePair], config: TrainConfig) -> dict:
    """Train, calibrate on the validation split and save a reward model into ``config.out``; returns a summary."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedType
    from tqdm.auto import tqdm
    from transformers import get_cosine_schedule_with_warmup

    set_seed(config.seed)
    objective = get_objective(config.objective)
    train_pairs, val_pairs = split_pairs(pairs, config.val_split, config.seed)
    if not train_pairs:
        raise ValueError("no training pairs left after the validation split")
    cuda = torch.cuda.is_available()
    precision = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if cuda else "no"
    accelerator = Accelerator(mixed_precision=precision, cpu=not cuda)

    source = config.resume or config.model
    tokenizer = load_tokenizer(source)
    model = objective.build_model(source, tokenizer)
    from mathreward.reward_models.judge_prompt import named_template

    template = named_template(config.template, response_lines=config.response_lines, question_view=config.question_view)
    wrapper = objective.wrap(model, tokenizer, config.max_length, template)
    config = resolve_size_defaults(config, sum(parameter.numel() for parameter in model.parameters()))
    examples = objective.examples(wrapper, train_pairs)

    steps_per_epoch = len(step_groups(len(examples), config, 0, accelerator.process_index, accelerator.num_processes))
    assert config.epochs is not None, "resolve_size_defaults sets the epochs"
    total_steps = max(1, math.ceil(steps_per_epoch * config.epochs))
    # FSDP wants the optimizer built on the prepared (sharded) model; DeepSpeed wants both prepared in one call.
    deepspeed = accelerator.distributed_type == DistributedType.DEEPSPEED
    if not deepspeed:
        model = accelerator.prepare(model)
    optimizer = build_optimizer(model, config)
    scheduler = get_cosine_schedule_with_warmup(optimizer, round(config.warmup_ratio * total_steps), total_steps)
    if deepspeed:
        model, optimizer = accelerator.prepare(model, optimizer)
    else:
        optimizer = accelerator.prepare(optimizer)

    step, history = 0, []
    last_checkpoint = config.resume  # named when the run diverges
    if config.resume:
        state = torch.load(Path(config.resume) / STATE_NAME, map_location="cpu", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, history = state["step"], state["history"]

    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=total_steps, initial=step, desc=f"rm train ({config.objective})", disable=not config.progress)
    model.train()
    started, tokens_seen = time.perf_counter(), 0
    epoch = 0
    while step < total_steps:
        groups = step_groups(len(examples), config, epoch, accelerator.process_index, accelerator.num_processes)
        for index, group in enumerate(groups):
            if step >= total_steps:
                break
            if epoch * steps_per_epoch + index < step:
                continue  # resumed: this step was done before the checkpoint
            loss_sum, correct, seen = 0.0, 0, 0
            for micro, indices in enumerate(group):
                batch = objective.collate(wrapper, [examples[i] for i in indices])
                batch = {key: value.to(accelerator.device) for key, value in batch.items()}
                tokens_seen += int(batch["attention_mask"].sum())
                sync = micro == len(group) - 1
                with contextlib.nullcontext() if sync else accelerator.no_sync(model), accelerator.autocast():
                    loss, n_correct, n = objective.loss(model, batch, config.letter_loss)
                    accelerator.backward(loss / len(group))
                loss_sum += loss.item() * n
                correct, seen = correct + n_correct, seen + n
            grad_norm = accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            # a NaN or inf stops the run before the optimizer applies it; fp16 loss scaling skips inf gradients itself
            norm = None if grad_norm is None or precision == "fp16" else float(grad_norm)
            check_finite(step + 1, last_checkpoint, loss=loss_sum / max(seen, 1), gradient_norm=norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            record = {
                "step": step,
                "loss": loss_sum / max(seen, 1),
                "accuracy": correct / max(seen, 1),
                "lr": scheduler.get_last_lr()[0],
                "grad_norm": float("nan") if grad_norm is None else float(grad_norm),  # DeepSpeed may report none
            }
            history.append(record)
            bar.update(1)
            bar.set_postfix(loss=f"{record['loss']:.3f}", acc=f"{record['accuracy']:.2f}")
            if config.save_every and step % config.save_every == 0 and step < total_steps:
                state = {"step": step, "history": history, "config": asdict(config)}
                check_parameters(step, model, last_checkpoint)  # never a NaN checkpoint
                folder = out / "checkpoints" / f"step-{step}"
                save_checkpoint(folder, wrapper, accelerator, model, optimizer, scheduler, state)
                last_checkpoint = str(folder)
        epoch += 1
    bar.close()
    elapsed = time.perf_counter() - started

    # Calibrate through the prepared model: under DDP/FSDP every process runs the same validation forwards.
    model.eval()
    wrapper.model = model
    calibration = {"temperature": 1.0, "nll_before": None, "nll_after": None, "val_pairs": len(val_pairs)}
    calibration["val_accuracy"] = None
    if val_pairs:
        probability_at = validation_probability_fn(wrapper, val_pairs, config.batch_size)
        calibration.update(fit_temperature(probability_at))
        calibration["val_pairs"] = len(val_pairs)
        calibration["val_accuracy"] = float((np.asarray(probability_at(calibration["temperature"])) > 0.5).mean())
    warning = judge_warning(calibration["temperature"], calibration["val_accuracy"], len(val_pairs))
    wrapper.temperature = calibration["temperature"]
    wrapper.calibration = calibration
    state = {"step": step, "history": history, "config": asdict(config)}
    check_parameters(step, model, last_checkpoint)
    save_checkpoint(out, wrapper, accelerator, model, optimizer, scheduler, state)

    summary = {
        "objective": config.objective,
        "train_pairs": len(train_pairs),
        "val_pairs": len(val_pairs),
        "steps": step,
        "final_loss": history[-1]["loss"] if history else None,
        "final_train_accuracy": history[-1]["accuracy"] if history else None,
        "calibration": calibration,
        "lr": config.lr,
        "epochs": config.epochs,
        "warnings": [warning] if warning else [],
        "tokens_per_s": tokens_seen / elapsed if elapsed > 0 else None,
        "seconds": elapsed,
    }
    if accelerator.is_main_process:
        with (out / "train_log.jsonl").open("w", encoding="utf-8") as handle:
            for record in history:
                handle.write(json.dumps(record) + "\n")
        from mathreward.reward_models.plots import plot_training_curves

        plot_training_curves(history, out / "training_curves.png", title=f"{config.objective} reward model")
        (out / "train_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
