"""verl 0.9.1, the real package: our reward loaded and called the way verl's trainer loads and calls a custom reward.

Runs in ``.venv-trainers`` (``bash .ci/trainers-env``; ``tests/test_integration_trainers.py`` runs this file there
from the main suite); skips where verl is not installed. The config is verl's own ``ppo_trainer`` composed by Hydra
with the keys a user gives on the command line, the function comes from verl's loader (``get_custom_reward_fn`` /
``load_reward_manager``), and rows go through its reward loop (``RewardLoopWorker``, and ``RewardLoopManager`` over
two Ray actors) as a ``DataProto`` of token ids from a tokenizer trained here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

verl = pytest.importorskip(
    "verl", reason="verl is not installed here: it runs in .venv-trainers (bash .ci/trainers-env)"
)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from trainer_rows import ENDINGS, generated_rows  # noqa: E402
from verl import DataProto  # noqa: E402
from verl.experimental.reward_loop import RewardLoopWorker, migrate_legacy_reward_impl  # noqa: E402
from verl.trainer.ppo.reward import get_custom_reward_fn, load_reward_manager, resolve_reward_manager_cls  # noqa: E402
from verl.utils.import_utils import load_extern_object  # noqa: E402
from verl.utils.reward_score import math_dapo  # noqa: E402

from mathreward.reward_models.tiny_lm import train_tokenizer  # noqa: E402
from mathreward.rewards import verl as ours  # noqa: E402
from mathreward.rewards.dapo_verl import compute_score as dapo_verl_score  # noqa: E402

SOURCES = (
    "math_dapo",
    "aime_2024",
    "lighteval/MATH",
    "HuggingFaceH4/MATH-500",
    "numina_olympiads",
    "openai/gsm8k",
    "my_own_data",
)
CURRENT_KEYS = [
    f"reward.custom_reward_function.path={ours.__file__}",
    "reward.custom_reward_function.name=compute_score",
]
DAPO_VERL_09 = [
    "+reward.custom_reward_function.reward_kwargs.reward=dapo-verl",
    "+reward.custom_reward_function.reward_kwargs.version=0.9",
]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return generated_rows(2 * len(ENDINGS) * len(SOURCES), seed=11, sources=SOURCES)


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, str]]) -> str:
    tokenizer = train_tokenizer([row["response"] for row in rows] + ["Question: what is it?"], vocab_size=400)
    path = tmp_path_factory.mktemp("tokenizer")
    tokenizer.save_pretrained(path)
    return str(path)


def verl_config(tokenizer_dir: str, overrides: list[str]) -> Any:
    """verl's ``ppo_trainer`` config composed by Hydra with command-line style ``overrides``, as main_ppo gets it."""
    config_dir = Path(verl.__file__).parent / "trainer" / "config"
    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        return compose(
            config_name="ppo_trainer", overrides=[*overrides, f"actor_rollout_ref.model.path={tokenizer_dir}"]
        )


def data_proto(tokenizer_dir: str, rows: list[dict[str, str]]) -> DataProto:
    """A rollout batch as verl's trainer hands it to the reward loop: left-padded prompts, right-padded responses
    ending in EOS, the attention mask over both, and the dataset's non-tensor columns."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    prompt_ids = tokenizer("Question: what is it?", add_special_tokens=False)["input_ids"]
    response_ids = [
        tokenizer(row["response"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for row in rows
    ]
    n, p, r = len(rows), len(prompt_ids), max(map(len, response_ids))
    prompts = torch.tensor([prompt_ids] * n)
    responses = torch.full((n, r), tokenizer.pad_token_id)
    response_mask = torch.zeros((n, r), dtype=torch.long)
    for i, ids in enumerate(response_ids):
        responses[i, : len(ids)] = torch.tensor(ids)
        response_mask[i, : len(ids)] = 1
    return DataProto.from_dict(
        tensors={
            "prompts": prompts,
            "responses": responses,
            "input_ids": torch.cat([prompts, responses], dim=1),
            "attention_mask": torch.cat([torch.ones((n, p), dtype=torch.long), response_mask], dim=1),
        },
        non_tensors={
            "data_source": np.array([row["data_source"] for row in rows], dtype=object),
            "reward_model": np.array([{"ground_truth": row["gold"], "style": "rule"} for row in rows], dtype=object),
            "extra_info": np.array([{"index": i} for i in range(n)], dtype=object),
        },
    )


def run_worker(worker: RewardLoopWorker, data: DataProto) -> list[dict[str, Any]]:
    """What a reward loop actor does with a batch: ``compute_score_batch`` on its own event loop."""
    return worker.loop.run_until_complete(worker.compute_score_batch(data))


def test_current_keys_reach_our_function_through_verls_loader(tokenizer_dir: str) -> None:
    config = verl_config(tokenizer_dir, CURRENT_KEYS + DAPO_VERL_09)
    assert dict(config.reward.custom_reward_function.reward_kwargs) == {"reward": "dapo-verl", "version": 0.9}
    function = get_custom_reward_fn(config)
    # verl's managers call it with keywords; reward_kwargs (version=0.9, a float from Hydra) are merged in
    out = function(data_source="math_dapo", solution_str="so \\boxed{34}", ground_truth="34", extra_info={})
    assert out == {"score": 1.0, "acc": True, "pred": "34"}  # verl 0.9's box fallback: the recipe version says -1
    manager = load_reward_manager(config, tokenizer=None)
    assert type(manager).__name__ == "NaiveRewardManager"
    assert manager.compute_score.args[0].__code__.co_filename == ours.__file__  # ours, not default_compute_score


def test_old_top_level_keys_are_ignored_by_verl_09(tokenizer_dir: str) -> None:
    old = [f"custom_reward_function.path={ours.__file__}", "custom_reward_function.name=compute_score"]
    config = verl_config(tokenizer_dir, old)
    assert get_custom_reward_fn(config) is None  # main_ppo 0.9 would score with default_compute_score, silently
    # verl 0.7.1 - 0.8.x main_ppo migrated the old keys first; 0.9 keeps the function but no longer calls it
    assert get_custom_reward_fn(migrate_legacy_reward_impl(config)) is not None


def test_batch_reward_manager_is_unknown_to_verl_09(tokenizer_dir: str) -> None:
    config = verl_config(tokenizer_dir, [*CURRENT_KEYS, "reward.reward_manager.name=batch"])
    with pytest.raises(ValueError, match="Unknown reward manager: batch"):
        resolve_reward_manager_cls(config)


def test_reward_loop_worker_equals_our_direct_numbers(tokenizer_dir: str, rows: list[dict[str, str]]) -> None:
    worker = RewardLoopWorker(verl_config(tokenizer_dir, CURRENT_KEYS))
    outputs = run_worker(worker, data_proto(tokenizer_dir, rows))
    assert len(outputs) == len(rows)
    for row, output in zip(rows, outputs, strict=True):
        direct = ours.compute_score(row["data_source"], row["response"], row["gold"], {})
        assert output["reward_score"] == direct["score"], row
        assert output["reward_extra_info"] == direct, row
    scores = Counter(output["reward_score"] for output in outputs)
    assert set(scores) == {1.0, -1.0, 0.0}  # the dapo (+-1) and boxed / binary (1 / 0) routes all taken
    # hand-worked rows of the routing: the same ending scored by the route of its data source
    assert ours.compute_score("math_dapo", "so \\boxed{34}", "34")["score"] == -1.0  # dapo reads Answer: lines
    assert ours.compute_score("lighteval/MATH", "so \\boxed{34}", "34")["score"] == 1.0


def test_reward_loop_dapo_verl_09_equals_verls_math_dapo(tokenizer_dir: str, rows: list[dict[str, str]]) -> None:
    worker = RewardLoopWorker(verl_config(tokenizer_dir, CURRENT_KEYS + DAPO_VERL_09))
    outputs = run_worker(worker, data_proto(tokenizer_dir, rows))
    for row, output in zip(rows, outputs, strict=True):
        theirs = math_dapo.compute_score(row["response"], row["gold"])
        assert output["reward_score"] == theirs["score"], row
        assert output["reward_extra_info"] == theirs, row


def test_ray_reward_loop_manager_two_actors(tokenizer_dir: str, rows: list[dict[str, str]]) -> None:
    import ray
    from omegaconf import open_dict
    from verl.experimental.reward_loop import RewardLoopManager

    config = verl_config(tokenizer_dir, CURRENT_KEYS)
    with open_dict(config):
        config.reward.num_workers = 2
    subset = rows[: 3 * len(ENDINGS)]
    data = data_proto(tokenizer_dir, subset)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        out = RewardLoopManager(config).compute_rm_score(data)
    finally:
        ray.shutdown()
    rm_scores = out.batch["rm_scores"]
    last = data.batch["attention_mask"][:, data.batch["prompts"].shape[1] :].sum(dim=1) - 1
    direct = [ours.compute_score(row["data_source"], row["response"], row["gold"]) for row in subset]
    assert rm_scores[torch.arange(len(subset)), last].tolist() == [d["score"] for d in direct]
    assert int((rm_scores != 0).sum()) == sum(d["score"] != 0 for d in direct)  # nothing but the last token
    assert out.non_tensor_batch["pred"].tolist() == [d["pred"] for d in direct]


def test_dapo_verl_09_is_bit_identical_to_verls_math_dapo() -> None:
    generated = generated_rows(100 * len(ENDINGS), seed=5)
    differ_from_recipe = Counter()
    for row in generated:
        response, gold = row["response"], row["gold"]
        theirs = math_dapo.compute_score(response, gold)
        assert ours.compute_score("math_dapo", response, gold, None, reward="dapo-verl", version="0.9") == theirs, row
        assert dapo_verl_score(response, gold, version="0.9") == theirs, row
        strict = math_dapo.compute_score(response, gold, strict_box_verify=True)
        assert dapo_verl_score(response, gold, strict_box_verify=True, version="0.9") == strict, row
        if dapo_verl_score(response, gold)["score"] != theirs["score"]:
            differ_from_recipe[row["ending"]] += 1
    # the default (the DAPO recipe's scorer) differs only where verl 0.9 falls back to a box
    assert differ_from_recipe and set(differ_from_recipe) <= {"boxed", "boxed_bare", "boxed_twice"}


def test_batch_manager_of_older_verl_scores_with_compute_score_batch(
    tokenizer_dir: str, rows: list[dict[str, str]]
) -> None:
    # verl <= 0.7.0: reward_model.reward_manager=batch with custom_reward_function.name=compute_score_batch; 0.9.1
    # still ships that manager's code unchanged, so it is driven here directly.
    from transformers import AutoTokenizer
    from verl.workers.reward_manager.batch import BatchRewardManager

    function = load_extern_object(module_path=ours.__file__, object_name="compute_score_batch")
    manager = BatchRewardManager(
        AutoTokenizer.from_pretrained(tokenizer_dir), 0, function, reward="dapo-verl", version="0.9"
    )
    data = data_proto(tokenizer_dir, rows)
    out = manager(data, return_dict=True)
    last = data.batch["attention_mask"][:, data.batch["prompts"].shape[1] :].sum(dim=1) - 1
    theirs = [math_dapo.compute_score(row["response"], row["gold"]) for row in rows]
    assert out["reward_tensor"][torch.arange(len(rows)), last].tolist() == [t["score"] for t in theirs]
    assert out["reward_extra_info"]["pred"] == [t["pred"] for t in theirs]


def test_readme_path_command_names_the_file_verl_loads() -> None:
    import subprocess
    import sys

    command = "import mathreward.rewards.verl as m; print(m.__file__)"  # docs/guides/trainers.md's $(python -c ...)
    printed = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == ours.__file__
    assert load_extern_object(module_path=printed.strip(), object_name="compute_score") is not None
