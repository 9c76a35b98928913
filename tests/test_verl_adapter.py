"""verl adapter: compute_score's dict, routing by data_source like verl's default, the batched variant."""

from __future__ import annotations

import inspect

import pytest

from mathreward.rewards import verl


def test_signature_matches_verls_custom_reward_function() -> None:
    params = list(inspect.signature(verl.compute_score).parameters)
    assert params[:4] == ["data_source", "solution_str", "ground_truth", "extra_info"]
    batch = list(inspect.signature(verl.compute_score_batch).parameters)
    assert batch[:4] == ["data_sources", "solution_strs", "ground_truths", "extra_infos"]


def test_routing_follows_verls_default() -> None:
    assert verl.route("math_dapo") == "dapo"
    assert verl.route("math") == "dapo"
    assert verl.route("aime_2024") == "dapo"
    assert verl.route("lighteval/MATH") == "boxed"
    assert verl.route("DigitalLearningGmbH/MATH-lighteval") == "boxed"
    assert verl.route("HuggingFaceH4/MATH-500") == "boxed"
    assert verl.route("numina_olympiads") == "boxed"
    assert verl.route("openai/gsm8k") == "binary"
    assert verl.route("my_own_data") == "binary"  # verl raises NotImplementedError; we use the auto verifier


def test_compute_score_dicts() -> None:
    out = verl.compute_score("math_dapo", "work\nAnswer: 34", "34", {"index": 0})
    assert out == {"score": 1.0, "acc": True, "pred": "34"}
    out = verl.compute_score("math_dapo", "**Answer:** 34", "34", None, sandbox_fusion_url=None, memory_limit_mb=1024)
    assert out["score"] == 1.0  # verl's own extra keyword arguments are accepted and ignored
    assert verl.compute_score("math_dapo", "no answer", "34") == {"score": -1.0, "acc": False, "pred": ""}
    assert verl.compute_score("lighteval/MATH", "so \\boxed{\\frac{1}{2}}", "\\frac12") == {
        "score": 1.0,
        "acc": True,
        "pred": "\\frac{1}{2}",
    }
    # reward_kwargs from the verl config can pin verl's own numbers
    assert verl.compute_score("math_dapo", "**Answer:** 34", "34", reward="dapo-verl")["score"] == -1.0


def test_batch_keeps_order_across_routes() -> None:
    sources = ["math_dapo", "lighteval/MATH", "aime25", "openai/gsm8k", "math_dapo"]
    responses = ["Answer: 5", "\\boxed{5}", "Answer: 6", "so it is 72", "\\boxed{5}"]
    golds = ["5", "5", "5", 72, "5"]
    out = verl.compute_score_batch(sources, responses, golds, [{}] * 5)
    assert [o["score"] for o in out] == [1.0, 1.0, -1.0, 1.0, -1.0]
    assert [o["acc"] for o in out] == [True, True, False, True, False]
    assert all(set(o) == {"score", "acc", "pred"} for o in out)


def test_batch_accepts_verls_numpy_object_arrays() -> None:
    np = pytest.importorskip("numpy")
    sources = np.array(["math_dapo", "math_dapo"], dtype=object)
    extras = np.array([{"index": 0}, {"index": 1}], dtype=object)
    out = verl.compute_score_batch(sources, ["Answer: 1", "Answer: 2"], ["1", "1"], extras, reward="dapo-verl")
    assert [o["score"] for o in out] == [1.0, -1.0]


def test_loaded_from_its_file_and_called_the_way_verl_calls_it() -> None:
    import importlib.util

    # verl's load_extern_object: import the file at custom_reward_function.path under a module name of its own
    spec = importlib.util.spec_from_file_location("custom_module", verl.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # naive / dapo reward managers: keyword call, reward_kwargs merged in by verl's _call_with_kwargs
    one = module.compute_score(
        data_source="math_dapo", solution_str="Answer: 34", ground_truth="34", extra_info={"index": 3}, reward="dapo"
    )
    assert one == {"score": 1.0, "acc": True, "pred": "34"}
    # batch reward manager: data_sources / solution_strs / ground_truths / extra_infos keywords, a list back
    many = module.compute_score_batch(
        data_sources=["math_dapo", "HuggingFaceH4/MATH-500"],
        solution_strs=["Answer: 3", "\\boxed{4}"],
        ground_truths=["3", "5"],
        extra_infos=[None, None],
    )
    assert [m["score"] for m in many] == [1.0, 0.0]


def test_reward_kwargs_reach_every_reward_option() -> None:
    boxed_only = "so the result is \\boxed{34}"
    # dapo-verl's version: the recipe's scorer ignores a lone box, verl 0.9 falls back to it
    assert verl.compute_score("math_dapo", boxed_only, "34", None, reward="dapo-verl")["score"] == -1.0
    assert verl.compute_score("math_dapo", boxed_only, "34", None, reward="dapo-verl", version="0.9") == {
        "score": 1.0,
        "acc": True,
        "pred": "34",
    }
    # Hydra reads reward_kwargs.version=0.9 as a float
    assert verl.compute_score("math_dapo", boxed_only, "34", None, reward="dapo-verl", version=0.9)["score"] == 1.0
    # the rule rewards' own scores: dapo as 0/1
    assert verl.compute_score("math_dapo", "Answer: 7", "34", None, wrong_score=0)["score"] == 0.0
    batch = verl.compute_score_batch(["math_dapo"] * 2, [boxed_only, "Answer: 7"], ["34", "34"], None,
                                     reward="dapo-verl", version="0.9")  # fmt: skip
    assert [b["score"] for b in batch] == [1.0, -1.0]


def test_unknown_reward_kwargs_are_an_error_naming_them() -> None:
    with pytest.raises(TypeError, match="reward 'dapo-verl' takes no option 'strict' \\(from reward_kwargs\\)"):
        verl.compute_score("math_dapo", "Answer: 7", "34", None, reward="dapo-verl", strict=True)
    with pytest.raises(TypeError, match="unknown equivalence option\\(s\\): version"):  # dapo checks its own
        verl.compute_score("math_dapo", "Answer: 7", "34", None, version="0.9")
    with pytest.raises(ValueError, match="version must be one of"):
        verl.compute_score("math_dapo", "Answer: 7", "34", None, reward="dapo-verl", version="0.8")
    # verl's own call keywords never count as reward options
    out = verl.compute_score("math_dapo", "Answer: 34", "34", None, reward_router_address="h:1", memory_limit_mb=1)
    assert out["score"] == 1.0
