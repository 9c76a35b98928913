"""Pairwise reward-model benchmark: inference pairs/s and training tokens/s, with peers measured in the same run.

CPU (always): the tiny test-size model (2 layers, hidden 64).
- inference: our batched ``PairwiseRM.prob_batch`` (both orders per pair, left padding, last-token logits only)
  against the naive peer: one pair at a time with full-sequence logits.
- training: tokens/s of ``mathreward rm train`` for the pairwise objective and for the Bradley-Terry baseline on the
  same base model and pairs (the BT step scores each response once; the pairwise step reads both in one sequence).
GPU (only when ``torch.cuda.is_available()``): the same measurements on a ~100M-parameter Llama config (hidden 768,
12 layers), random init, bf16 weights for inference and bf16 autocast for training.

Run: ``python bench/rm_bench.py [--pairs 256] [--gpu-only | --cpu-only]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch  # noqa: E402

from mathreward.reward_models.pairwise_model import PairwiseRM  # noqa: E402
from mathreward.reward_models.synthetic import arithmetic_pairs, corpus_texts  # noqa: E402
from mathreward.reward_models.tiny_lm import build_tiny_causal_lm, train_tokenizer  # noqa: E402
from mathreward.reward_models.train import TrainConfig, train_reward_model  # noqa: E402


def _naive_probs(rm: PairwiseRM, pairs) -> list[float]:
    """Peer: one pair at a time, each order its own forward pass over full-sequence logits."""
    out = []
    for pair in pairs:
        diffs = []
        for a, b in ((pair.chosen, pair.rejected), (pair.rejected, pair.chosen)):
            ids = rm.tokenizer(rm.judge_text(pair.prompt, a, b, pair.reference), return_tensors="pt").to(rm.device)
            with torch.no_grad():
                logits = rm.model(**ids).logits[0, -1].float()
            letter = logits[rm.template.letter_token_ids]
            diffs.append(float(letter[0] - letter[1]))
        out.append(0.5 + 0.5 * (torch.sigmoid(torch.tensor(diffs[0])) - torch.sigmoid(torch.tensor(diffs[1]))).item())
    return out


def bench_inference(rm: PairwiseRM, pairs, batch_size: int, repeats: int = 2) -> dict:
    """pairs/s of the batched path and of the naive peer, and their agreement."""
    args = (
        [p.prompt for p in pairs],
        [p.chosen for p in pairs],
        [p.rejected for p in pairs],
        [p.reference for p in pairs],
    )
    rm.prob_batch(*(a[:batch_size] for a in args), batch_size=batch_size)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        ours = rm.prob_batch(*args, batch_size=batch_size)
        best = min(best, time.perf_counter() - started)
    naive_pairs = pairs[: max(8, len(pairs) // 4)]
    started = time.perf_counter()
    naive = _naive_probs(rm, naive_pairs)
    naive_time = time.perf_counter() - started
    agree = max(abs(x - y) for x, y in zip(ours, naive, strict=False))
    return {
        "pairs_per_s": len(pairs) / best,
        "naive_pairs_per_s": len(naive_pairs) / naive_time,
        "speedup": (len(pairs) / best) / (len(naive_pairs) / naive_time),
        "max_abs_diff_vs_naive": agree,
    }


def bench_training(base: Path, pairs, out: Path, batch_size: int, max_length: int) -> dict:
    """tokens/s of one training epoch for the pairwise objective and the BT baseline."""
    result = {}
    for objective in ("pairwise", "bt"):
        config = TrainConfig(
            model=str(base), out=str(out / objective), objective=objective, epochs=1, lr=1e-4,
            batch_size=batch_size, max_length=max_length, val_split=0.05, progress=False,
        )  # fmt: skip
        summary = train_reward_model(pairs, config)
        result[objective] = {
            "tokens_per_s": summary["tokens_per_s"],
            "steps": summary["steps"],
            "seconds": summary["seconds"],
        }
    return result


def run(device: str, n_pairs: int) -> dict:
    """One full measurement on ``device`` ("cpu": tiny model; "cuda": ~100M-parameter Llama)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    pairs = arithmetic_pairs(n_pairs, seed=0, kind="mixed")
    tokenizer = train_tokenizer(corpus_texts(pairs[:200]), vocab_size=400)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        if device == "cpu":
            model = build_tiny_causal_lm(tokenizer, hidden_size=64, num_layers=2, num_heads=4, seed=0)
            batch_size, max_length = 16, 256
        else:
            # ~100M parameters: Llama-style, hidden 768, 12 layers; long responses so sequences are ~400 tokens.
            torch.manual_seed(0)
            model = LlamaForCausalLM(
                LlamaConfig(
                    vocab_size=len(tokenizer), hidden_size=768, intermediate_size=2048, num_hidden_layers=12,
                    num_attention_heads=12, num_key_value_heads=12, max_position_embeddings=2048,
                    pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                    eos_token_id=tokenizer.eos_token_id,
                )
            )  # fmt: skip
            pad = " Let us check the arithmetic once more carefully." * 10
            pairs = [type(p)(p.prompt, pad + p.chosen, pad + p.rejected, p.reference) for p in pairs]
            batch_size, max_length = 32, 1024
        params = sum(p.numel() for p in model.parameters())
        model.save_pretrained(str(base))
        tokenizer.save_pretrained(str(base))
        rm = PairwiseRM.from_pretrained(base, device=device)
        tokens = sum(
            len(rm.tokenizer(rm.judge_text(p.prompt, p.chosen, p.rejected, p.reference))["input_ids"]) for p in pairs
        )
        inference = bench_inference(rm, pairs, batch_size)
        del rm
        training = bench_training(base, pairs, Path(tmp) / "train", batch_size, max_length)
    return {
        "device": device if device == "cpu" else torch.cuda.get_device_name(0),
        "parameters": params,
        "pairs": len(pairs),
        "mean_tokens_per_judge_text": tokens / len(pairs),
        "inference": inference,
        "training": training,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--cpu-only", action="store_true")
    parser.add_argument("--gpu-only", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads for the CPU run (default 1)")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    results = {}
    if not args.gpu_only:
        torch.set_num_threads(args.threads)
        results["cpu"] = run("cpu", args.pairs)
    if not args.cpu_only:
        if torch.cuda.is_available():
            results["gpu"] = run("cuda", args.pairs)
        else:
            print("no CUDA device: GPU part skipped")
    for name, r in results.items():
        inf, tr = r["inference"], r["training"]
        print(
            f"[{name}] {r['device']}: {r['parameters'] / 1e6:.2f}M params, {r['mean_tokens_per_judge_text']:.0f} tokens/judge text"
        )
        print(
            f"  inference: {inf['pairs_per_s']:.1f} pairs/s batched vs {inf['naive_pairs_per_s']:.1f} pairs/s naive "
            f"(x{inf['speedup']:.1f}; max |p diff| {inf['max_abs_diff_vs_naive']:.2e})"
        )
        print(
            f"  training: pairwise {tr['pairwise']['tokens_per_s']:.0f} tokens/s, BT {tr['bt']['tokens_per_s']:.0f} tokens/s "
            f"(ratio {tr['pairwise']['tokens_per_s'] / tr['bt']['tokens_per_s']:.2f})"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
