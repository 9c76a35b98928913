"""The shared-prompt forward (each distinct prompt read once, its cache indexed out to its rows) gives the plain
forward's per-token log-probs, entropies, hidden states and parameter gradients, on the trainer's layout: prompts of
different lengths left-padded, responses of different lengths right-padded, groups whole or shuffled into mini-batches.
"""

from __future__ import annotations

import pytest
import torch

from mathreward.rl.engine.shared_prefix import distinct_prompts, worth_sharing
from mathreward.rl.rollout import Sample, collate, forward_response

VOCAB = 97


def _llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
    )
    return LlamaForCausalLM(config).float().train()


def _gpt2():
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=128, resid_pdrop=0.0,
                        embd_pdrop=0.0, attn_pdrop=0.0, pad_token_id=0, eos_token_id=2)  # fmt: skip
    return GPT2LMHeadModel(config).float().train()


def _samples(group_size: int = 3) -> list[Sample]:
    """Four prompts of 3-9 tokens, ``group_size`` responses of 1-7 tokens each (some end with EOS = 2)."""
    rng = torch.Generator().manual_seed(1)
    samples = []
    for group, prompt_len in enumerate((5, 9, 3, 9)):
        prompt = torch.randint(3, VOCAB, (prompt_len,), generator=rng).tolist()
        for _ in range(group_size):
            length = int(torch.randint(1, 8, (1,), generator=rng))
            response = torch.randint(3, VOCAB, (length,), generator=rng).tolist()
            if length % 2:
                response[-1] = 2
            samples.append(Sample(prompt, response, length % 2 == 1, False, group, "", "", None))
    return samples


def _loss_and_grads(model, batch, weights, share: bool):
    model.zero_grad(set_to_none=True)
    out = forward_response(model, batch, temperature=0.7, with_entropy=True, entropy_grad=True, share_prompts=share)
    mask = batch.response_mask
    loss = (out["logp"] * weights * mask).sum() / mask.sum() - 0.1 * (out["entropy"] * mask).sum() / mask.sum()
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.grad is not None}
    return out, grads


@pytest.mark.parametrize("build", [_llama, _gpt2], ids=["llama", "gpt2"])
@pytest.mark.parametrize("shuffle", [False, True], ids=["groups", "shuffled-minibatch"])
def test_shared_prompt_forward_equals_plain_forward(build, shuffle) -> None:
    torch.set_num_threads(1)
    model = build()
    batch = collate(_samples(), pad_id=0)
    if shuffle:  # a mini-batch as the trainer selects it: rows of different groups interleaved, one group cut
        batch = batch.select(torch.randperm(12, generator=torch.Generator().manual_seed(3))[:9])
    weights = torch.randn(batch.response_mask.shape, generator=torch.Generator().manual_seed(2))
    assert worth_sharing(distinct_prompts(batch.input_ids, batch.attention_mask, batch.prompt_len))

    plain, plain_grads = _loss_and_grads(model, batch, weights, share=False)
    shared, shared_grads = _loss_and_grads(model, batch, weights, share=True)

    mask = batch.response_mask.bool()
    for key in ("logp", "entropy"):
        assert shared[key].shape == plain[key].shape
        assert torch.allclose(shared[key][mask], plain[key][mask], atol=1e-5, rtol=0), key
    assert plain_grads.keys() == shared_grads.keys() and len(plain_grads) == len(list(model.parameters()))
    for name, grad in plain_grads.items():
        assert grad.abs().max() > 0, name  # every parameter takes part, so the comparison below means something
        assert torch.allclose(shared_grads[name], grad, atol=1e-6, rtol=1e-4), name

    with torch.no_grad():
        plain_hidden = forward_response(model, batch, with_hidden=True)["hidden"]
        shared_hidden = forward_response(model, batch, with_hidden=True, share_prompts=True)["hidden"]
    # state s_0 (last prompt column) and s_1.. s_T on the response tokens; columns past a response are padding
    hidden_mask = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)
    assert shared_hidden.shape == plain_hidden.shape
    assert torch.allclose(shared_hidden[hidden_mask], plain_hidden[hidden_mask], atol=1e-5, rtol=0)


def test_distinct_prompts_groups_rows_by_prompt_ids_and_padding() -> None:
    samples = [
        Sample([5, 6], [7], True, False, 0, "", "", None),
        Sample([4, 5, 6], [7], True, False, 1, "", "", None),
        Sample([5, 6], [8, 9], True, False, 0, "", "", None),
        Sample([0, 5, 6], [7], True, False, 2, "", "", None),  # a real pad-id token: not the padded [5, 6]
    ]
    batch = collate(samples, pad_id=0)
    prompt_of_row = distinct_prompts(batch.input_ids, batch.attention_mask, batch.prompt_len).tolist()
    assert prompt_of_row[0] == prompt_of_row[2]
    assert len({prompt_of_row[0], prompt_of_row[1], prompt_of_row[3]}) == 3
    assert worth_sharing(torch.tensor(prompt_of_row))
    assert not worth_sharing(torch.tensor([0, 2, 1]))
