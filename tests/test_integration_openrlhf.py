"""OpenRLHF 0.11.2, the real client code: its ``SingleTurnAgentExecutor`` scoring through ``mathreward serve`` over
HTTP and through its ``.py`` reward-function loader on ``rewards/openrlhf.py``, rewards checked item by item.

Runs in ``.venv-trainers`` (``bash .ci/trainers-env``: OpenRLHF installed without its GPU-only dependencies;
``tests/test_integration_trainers.py`` runs this file there from the main suite); skips where it is not installed.
As OpenRLHF's own agent tests do, its modules are loaded from their files; what they import at load time is its real
logging module, and stand-ins only for the GPU side (vLLM, the engine actors) and the package ``__init__``s. The
vLLM engine is a stand-in that returns the token ids of a chosen response.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest.mock import MagicMock

import pytest

try:
    OPENRLHF = importlib.metadata.distribution("openrlhf")
except importlib.metadata.PackageNotFoundError:
    pytest.skip(
        "openrlhf is not installed here: it runs in .venv-trainers (bash .ci/trainers-env)", allow_module_level=True
    )
pytest.importorskip("aiohttp", reason="OpenRLHF's client needs aiohttp")

import torch  # noqa: E402
from trainer_rows import ENDINGS, generated_rows  # noqa: E402

import mathreward.rewards.openrlhf as adapter  # noqa: E402
from mathreward.reward_models.tiny_lm import train_tokenizer  # noqa: E402
from mathreward.rewards import build_reward  # noqa: E402

PROMPT = (
    "Solve the following math problem step by step. The last line of your response should be of the form "
    "Answer: $Answer (without quotes) where $Answer is the answer to the problem.\n\nProblem {i}: what is it?\n"
)


def openrlhf_file(relative: str) -> Path:
    path = Path(OPENRLHF.locate_file(f"openrlhf/{relative}"))
    assert path.is_file(), path
    return path


def load_from_file(name: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Load one OpenRLHF module from its file (its package ``__init__`` pulls in DeepSpeed and vLLM)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def agent(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``openrlhf/utils/agent.py`` with its one package import, the logging module, loaded for real."""
    load_from_file("openrlhf.utils.logging_utils", openrlhf_file("utils/logging_utils.py"), monkeypatch)
    return load_from_file("_openrlhf_agent", openrlhf_file("utils/agent.py"), monkeypatch)


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    rows = generated_rows(4 * len(ENDINGS), seed=3)
    return train_tokenizer([PROMPT.format(i=i) for i in range(8)] + [r["response"] for r in rows], vocab_size=400)


class ChosenResponseEngine:
    """Stand-in for OpenRLHF's vLLM engine: ``generate`` returns the token ids of the response given for a prompt."""

    def __init__(self, tokenizer: Any, responses: dict[tuple[int, ...], str]) -> None:
        self.tokenizer = tokenizer
        self.responses = responses

    async def generate(self, prompt_token_ids: list[int], sampling_params: Any, multi_modal_data: Any = None) -> Any:
        text = self.responses[tuple(prompt_token_ids)]
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"] + [self.tokenizer.eos_token_id]
        output = SimpleNamespace(token_ids=ids, text=text, finish_reason="stop", logprobs=None)
        return SimpleNamespace(outputs=[output])


def label_forms(gold: str, i: int) -> Any:
    """The label shapes OpenRLHF passes through from a dataset column, in turn: text, number, dict, list."""
    forms = [gold, int(gold), {"ground_truth": gold, "style": "rule-lax-nothink"}, [gold]]
    return forms[i % len(forms)]


def run_executor(executor: Any, tokenizer: Any, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """OpenRLHF's rollout of one sample per prompt, all at once as its engines run them."""
    prompts = [PROMPT.format(i=i) for i in range(len(rows))]
    responses = {}
    for prompt, row in zip(prompts, rows, strict=True):
        responses[tuple(tokenizer(prompt, add_special_tokens=False)["input_ids"])] = row["response"]
    engine = ChosenResponseEngine(tokenizer, responses)
    params = SimpleNamespace(max_tokens=None, logprobs=None)

    async def run_all() -> list[dict[str, Any]]:
        return await asyncio.gather(
            *(
                executor.execute(prompt, row["label"], params, 4096, tokenizer, engine)
                for prompt, row in zip(prompts, rows, strict=True)
            )
        )

    return asyncio.run(run_all())


def expected(rows: list[dict[str, str]], reward_name: str = "dapo", **options: Any) -> list[Any]:
    """Our reward on each response as OpenRLHF's query carries it (the response then the EOS token's text)."""
    reward = build_reward(reward_name, **options)
    return reward.score(None, [r["response"] + "</s>" for r in rows], [r["gold"] for r in rows])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def serve() -> Iterator[Any]:
    """Start ``mathreward serve`` subprocesses on free ports; each call returns its /get_reward URL."""
    import httpx

    processes = []

    def start(*args: str) -> str:
        port = free_port()
        command = [sys.executable, "-m", "mathreward", "serve", "--port", str(port), "--workers", "2", *args]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        processes.append(process)
        deadline = time.time() + 60
        while time.time() < deadline:
            assert process.poll() is None, process.stderr.read()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return f"http://127.0.0.1:{port}/get_reward"
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("mathreward serve did not come up in 60 s")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def labelled_rows(n: int, seed: int) -> list[dict[str, Any]]:
    rows = generated_rows(n, seed=seed)
    for i, row in enumerate(rows):
        row["label"] = label_forms(row["gold"], i)
    return rows


def test_http_client_against_mathreward_serve(agent: ModuleType, tokenizer: Any, serve: Any) -> None:
    url = serve("--reward", "dapo")
    rows = labelled_rows(4 * len(ENDINGS), seed=21)
    outputs = run_executor(agent.SingleTurnAgentExecutor(url), tokenizer, rows)
    for row, output, ours in zip(rows, outputs, expected(rows), strict=True):
        assert output["reward"] == [ours.score], row  # one shard of one query: OpenRLHF keeps the lists
        assert output["scores"] == [1.0 if ours.correct else 0.0], row
        assert output["extra_logs"]["acc"] == [1.0 if ours.correct else 0.0], row
    assert {o["reward"][0] for o in outputs} == {1.0, -1.0}
    # hand-worked: the prompt's own "Answer: $Answer" is not read as the response's answer
    no_answer = [o["reward"][0] for row, o in zip(rows, outputs, strict=True) if row["ending"] in ("nothing", "boxed")]
    assert no_answer and set(no_answer) == {-1.0}


def test_http_dict_and_list_labels_like_dapo_math_17k(agent: ModuleType, tokenizer: Any, serve: Any) -> None:
    url = serve("--reward", "dapo")
    rows = [
        {"response": "so 30 + 4\nAnswer: 34", "gold": "34", "label": {"ground_truth": "34", "style": "rule"}},
        {"response": "Answer: 35", "gold": "34", "label": {"ground_truth": "34", "style": "rule"}},
        {"response": "Answer: 34", "gold": "34", "label": ["34"]},
        {"response": "Answer: 1,000", "gold": "1000", "label": {"answer": 1000}},
    ]
    outputs = run_executor(agent.SingleTurnAgentExecutor(url), tokenizer, rows)
    assert [o["reward"] for o in outputs] == [[1.0], [-1.0], [1.0], [1.0]]
    assert [o["scores"] for o in outputs] == [[1.0], [0.0], [1.0], [1.0]]


def test_py_reward_function_through_openrlhfs_loader(
    agent: ModuleType, tokenizer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATHREWARD_REWARD", "dapo")
    executor = agent.SingleTurnAgentExecutor(adapter.__file__)  # --reward.remote_url .../rewards/openrlhf.py
    assert executor.reward_func is not None and executor.reward_func.__code__.co_filename == adapter.__file__
    rows = labelled_rows(2 * len(ENDINGS), seed=22)
    outputs = run_executor(executor, tokenizer, rows)
    for row, output, ours in zip(rows, outputs, expected(rows), strict=True):
        assert torch.equal(output["reward"], torch.tensor([ours.score])), row
        assert torch.equal(output["scores"], torch.tensor([1.0 if ours.correct else 0.0])), row


def openrlhf_eval(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """OpenRLHF's own eval path: ``_process_response_into_experience`` (samples_generator.py) then
    ``compute_eval_metrics`` (ppo_trainer.py), with stand-ins for the GPU side as its own trainer tests do."""
    for name in (
        "vllm",
        "openrlhf.utils.utils",
        "openrlhf.datasets",
        "openrlhf.datasets.utils",
        "openrlhf.trainer.ppo_utils.experience_maker",
        "openrlhf.trainer.ppo_utils.kl_controller",
        "openrlhf.trainer.ppo_utils.samples_generator",
        "openrlhf.trainer.ray.launcher",
        "openrlhf.trainer.ray.vllm_engine",
        "openrlhf.utils.deepspeed",
    ):
        monkeypatch.setitem(sys.modules, name, MagicMock())
    logging_utils = load_from_file("openrlhf.utils.logging_utils", openrlhf_file("utils/logging_utils.py"), monkeypatch)
    monkeypatch.setattr(logging_utils, "TensorboardLogger", MagicMock(), raising=False)
    monkeypatch.setattr(logging_utils, "WandbLogger", MagicMock(), raising=False)
    load_from_file(
        "openrlhf.trainer.ppo_utils.experience", openrlhf_file("trainer/ppo_utils/experience.py"), monkeypatch
    )
    generator = load_from_file(
        "_openrlhf_samples", openrlhf_file("trainer/ppo_utils/samples_generator.py"), monkeypatch
    )
    trainer = load_from_file("_openrlhf_ppo_trainer", openrlhf_file("trainer/ppo_trainer.py"), monkeypatch)
    to_experience = generator.SamplesGenerator.__new__(generator.SamplesGenerator)._process_response_into_experience
    return to_experience, trainer.compute_eval_metrics


# 4 prompts x 4 samples; correct answers per prompt 4, 2, 0, 1: pass@1 = (1 + 0.5 + 0 + 0.25) / 4, pass@4 = 3 / 4
EVAL_CORRECT = [[1, 1, 1, 1], [1, 0, 1, 0], [0, 0, 0, 0], [0, 0, 1, 0]]


def eval_metrics(agent: ModuleType, tokenizer: Any, monkeypatch: pytest.MonkeyPatch, remote: str) -> dict[str, float]:
    """OpenRLHF's eval numbers for EVAL_CORRECT's samples scored through ``remote`` (a URL or the ``.py`` file)."""
    rows = []
    for p, pattern in enumerate(EVAL_CORRECT):
        for k, correct in enumerate(pattern):
            gold = str(100 + p)
            response = f"step {k}\nAnswer: {gold if correct else 7}"
            rows.append({"response": response, "gold": gold, "label": {"ground_truth": gold}})
    outputs = run_executor(agent.SingleTurnAgentExecutor(remote), tokenizer, rows)
    to_experience, compute_eval_metrics = openrlhf_eval(monkeypatch)
    samples = []
    for i, output in enumerate(outputs):
        output["prompt"] = f"prompt {i // 4}"  # the 4 samples of a prompt share its text, as in OpenRLHF's eval
        samples.append(to_experience(output, max_len=4096))
    loader = [(["aime"] * 4, [f"prompt {p}" for p in range(4)], [None] * 4, [None] * 4)]
    return compute_eval_metrics(loader, samples, 4)


def test_eval_pass_rates_with_the_documented_0_1_reward(
    agent: ModuleType, tokenizer: Any, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plus_minus = eval_metrics(agent, tokenizer, monkeypatch, serve("--reward", "dapo"))
    assert plus_minus["eval_aime_pass1"] == pytest.approx(2 * 0.4375 - 1)  # the 2p - 1 that +-1 rewards log
    assert plus_minus["eval_aime_pass4"] == pytest.approx(0.5)
    zero_one = eval_metrics(
        agent, tokenizer, monkeypatch, serve("--reward", "dapo", "--reward-option", "wrong_score=0")
    )
    assert zero_one["eval_aime_pass1"] == pytest.approx(0.4375)
    assert zero_one["eval_aime_pass4"] == pytest.approx(0.75)


def test_eval_pass_rates_in_py_mode_with_reward_options(
    agent: ModuleType, tokenizer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATHREWARD_REWARD", "dapo")
    monkeypatch.setenv("MATHREWARD_REWARD_OPTIONS", json.dumps({"wrong_score": 0}))
    metrics = eval_metrics(agent, tokenizer, monkeypatch, adapter.__file__)
    assert metrics["eval_aime_pass1"] == pytest.approx(0.4375)
    assert metrics["eval_aime_pass4"] == pytest.approx(0.75)


def test_readme_path_command_names_the_file_openrlhf_loads(agent: ModuleType) -> None:
    command = "import mathreward.rewards.openrlhf as m; print(m.__file__)"  # docs/guides/trainers.md's $(python -c ...)
    printed = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, check=True).stdout
    assert agent.SingleTurnAgentExecutor(printed.strip()).reward_func.__code__.co_filename == adapter.__file__
