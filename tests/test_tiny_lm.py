"""The locally built tiny tokenizer and model: special tokens, round trips, save/load, generation."""

from __future__ import annotations

import torch

from mathreward.reward_models.tiny_lm import build_tiny_causal_lm, train_tokenizer

TEXTS = ["What is 2+3? Answer: 5", "What is 10+7? Answer: 17", "Solve step by step. Answer: 42"] * 4


def test_tokenizer_has_distinct_special_tokens_and_round_trips() -> None:
    tok = train_tokenizer(TEXTS, vocab_size=300)
    ids = {tok.pad_token_id, tok.bos_token_id, tok.eos_token_id, tok.unk_token_id}
    assert len(ids) == 4
    assert tok.padding_side == "left"
    text = "Answer: 1234 \\frac{1}{2} ünïcode"
    assert tok.decode(tok(text)["input_ids"]) == text


def test_chat_template_renders_generation_prompt() -> None:
    tok = train_tokenizer(TEXTS, vocab_size=300)
    rendered = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert rendered == "<|user|>\nhi\n<|assistant|>\n"


def test_model_save_load_round_trip_and_generate(tmp_path) -> None:
    tok = train_tokenizer(TEXTS, vocab_size=300)
    model = build_tiny_causal_lm(tok, hidden_size=32, num_layers=1, num_heads=2, seed=3)
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)

    from transformers import AutoModelForCausalLM, AutoTokenizer

    loaded = AutoModelForCausalLM.from_pretrained(tmp_path)
    loaded_tok = AutoTokenizer.from_pretrained(tmp_path)
    batch = loaded_tok(["What is 2+3?", "Answer:"], return_tensors="pt", padding=True)
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, loaded(**batch).logits)
        out = loaded.generate(**batch, max_new_tokens=4, do_sample=False)
    prompt_len = batch["input_ids"].shape[1]
    assert out.shape[0] == 2
    assert prompt_len < out.shape[1] <= prompt_len + 4
    assert torch.equal(out[:, :prompt_len], batch["input_ids"])


def test_same_seed_same_weights() -> None:
    tok = train_tokenizer(TEXTS, vocab_size=300)
    a = build_tiny_causal_lm(tok, hidden_size=32, num_layers=1, num_heads=2, seed=7)
    b = build_tiny_causal_lm(tok, hidden_size=32, num_layers=1, num_heads=2, seed=7)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
