"""The lean Llama paths equal ``transformers``' Llama forward on seeded tiny models: the decode step's logits (fused
and separate projections, grouped-query attention, biases, left padding, rows leaving the batch), and the shared-prompt
training forward's logits and every parameter gradient. Also: mini-batches of whole prompt groups."""

from __future__ import annotations

import pytest
import torch

from mathreward.rl.engine import llama_decode, llama_layers, llama_train
from mathreward.rl.engine.generation import cache_of
from mathreward.rl.engine.shared_prefix import distinct_prompts, group_order
from mathreward.rl.rollout import Sample, collate

VOCAB = 89


def _llama(*, gqa: bool, bias: bool, tied: bool = False):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=48,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2 if gqa else 4,
        max_position_embeddings=64,
        attention_bias=bias,
        mlp_bias=bias,
        tie_word_embeddings=tied,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
    )
    model = LlamaForCausalLM(config).float()
    if bias:  # nn.Linear biases start at zero in transformers' init: give them values that matter
        with torch.no_grad():
            for name, param in model.named_parameters():
                if name.endswith("bias"):
                    param.normal_(0.0, 0.5)
    return model


MODELS = {
    "gqa-bias": {"gqa": True, "bias": True},
    "mha-tied": {"gqa": False, "bias": False, "tied": True},
}


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "separate"])
@pytest.mark.parametrize("kind", list(MODELS))
def test_decode_step_logits_equal_the_model_forward(kind, fuse, monkeypatch) -> None:
    torch.set_num_threads(1)
    model = _llama(**MODELS[kind]).eval()
    if not fuse:
        monkeypatch.setattr(llama_layers, "FUSE_LIMIT", 0)
    assert llama_decode.supports(model)
    rng = torch.Generator().manual_seed(1)
    lengths = [3, 7, 5, 7]
    width = max(lengths)
    ids = torch.zeros((4, width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, length in enumerate(lengths):  # left-padded prompts
        ids[row, width - length :] = torch.randint(3, VOCAB, (length,), generator=rng)
        mask[row, width - length :] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    fed = torch.randint(3, VOCAB, (4, 6), generator=rng)
    with torch.no_grad():
        prefill = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True)
        decoder = llama_decode.LlamaDecoder(model, cache_of(prefill), mask, max_new_tokens=7)
        assert decoder.mask is not None  # the padded prompts are masked
        rows = torch.arange(4)
        for step in range(6):
            if step == 3:  # rows 0 and 2 leave the batch
                rows = torch.tensor([1, 3])
                decoder.select(torch.tensor([1, 3]))
            ours = decoder.step(fed[rows, step], (positions[rows, -1:] + 1 + step))
            full_ids = torch.cat([ids, fed[:, : step + 1]], dim=1)[rows]
            full_mask = torch.cat([mask, torch.ones((4, step + 1), dtype=torch.long)], dim=1)[rows]
            full_positions = (full_mask.cumsum(-1) - 1).clamp(min=0)
            ref = model(input_ids=full_ids, attention_mask=full_mask, position_ids=full_positions).logits[:, -1]
            assert ours.shape == ref.shape
            assert torch.allclose(ours, ref, atol=2e-5, rtol=0), (step, (ours - ref).abs().max())


def _samples() -> list[Sample]:
    """Three prompts of 2-8 tokens, three responses each of 1-6 tokens (right-padded)."""
    rng = torch.Generator().manual_seed(4)
    samples = []
    for group, prompt_len in enumerate((4, 8, 2)):
        prompt = torch.randint(3, VOCAB, (prompt_len,), generator=rng).tolist()
        for _ in range(3):
            length = int(torch.randint(1, 7, (1,), generator=rng))
            response = torch.randint(3, VOCAB, (length,), generator=rng).tolist()
            samples.append(Sample(prompt, response, False, False, group, "", "", None))
    return samples


@pytest.mark.parametrize("kind", list(MODELS))
def test_training_forward_logits_and_gradients_equal_the_model_forward(kind) -> None:
    torch.set_num_threads(1)
    model = _llama(**MODELS[kind]).train()
    assert llama_train.supports(model)
    assert llama_train._Weights(model.model.layers[0]).silu  # the SwiGLU function (its own backward) is what runs
    batch = collate(_samples(), pad_id=0)
    batch = batch.select(torch.randperm(9, generator=torch.Generator().manual_seed(5))[:7])  # groups cut and mixed
    weights = torch.randn((7, batch.response_len, VOCAB), generator=torch.Generator().manual_seed(6))
    mask = batch.response_mask.bool()

    def run(lean: bool):
        model.zero_grad(set_to_none=True)
        if lean:
            prompt_of_row = distinct_prompts(batch.input_ids, batch.attention_mask, batch.prompt_len)
            logits = llama_train.response_logits(model, batch, prompt_of_row)
        else:
            out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, position_ids=batch.position_ids)
            logits = out.logits[:, batch.prompt_len - 1 : -1]
        (logits * weights)[mask].sum().backward()
        grads = {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.grad is not None}
        return logits.detach(), grads

    ref_logits, ref_grads = run(lean=False)
    logits, grads = run(lean=True)
    assert logits.shape == ref_logits.shape
    assert torch.allclose(logits[mask], ref_logits[mask], atol=1e-5, rtol=0)
    assert grads.keys() == ref_grads.keys() and len(grads) == len(list(model.parameters()))
    for name, grad in ref_grads.items():
        assert grad.abs().max() > 0, name  # every parameter takes part
        assert torch.allclose(grads[name], grad, atol=1e-5, rtol=1e-4), (name, (grads[name] - grad).abs().max())


def test_training_forward_declines_attention_dropout_and_other_architectures() -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    model = _llama(gqa=True, bias=False)
    model.config.attention_dropout = 0.1
    assert not llama_train.supports(model.train()) and llama_train.supports(model.eval())
    assert not llama_decode.supports(model.train())
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=VOCAB, n_embd=16, n_layer=1, n_head=2, n_positions=32))
    assert not llama_train.supports(gpt2) and not llama_decode.supports(gpt2.eval())


def test_group_order_keeps_groups_whole_and_repeats_under_a_seed() -> None:
    groups = torch.tensor([3, 3, 3, 0, 0, 0, 7, 7, 7, 1, 1, 1])
    orders = []
    for seed in (0, 0, 1):
        torch.manual_seed(seed)
        orders.append(group_order(groups))
    order = orders[0]
    assert sorted(order.tolist()) == list(range(12))
    for start in range(0, 12, 3):  # every mini-batch of 3 rows is one whole group, its rows in their order
        chunk = order[start : start + 3]
        assert len(set(groups[chunk].tolist())) == 1 and chunk.tolist() == sorted(chunk.tolist())
    assert torch.equal(orders[0], orders[1])
    assert not torch.equal(orders[0], orders[2])  # another seed, another order of the groups


@pytest.mark.parametrize("do_sample", [True, False], ids=["sampled", "greedy"])
def test_sampler_with_rows_leaving_samples_the_tokens_of_generate(do_sample, monkeypatch) -> None:
    """Rows that end early wait in the batch until half of it has ended, then leave: the tokens (and log-probs) are
    generate's, and those of a run that keeps every row."""
    from mathreward.rl.engine.generation import sample_tokens

    torch.set_num_threads(1)
    model = _llama(gqa=True, bias=True).eval()
    with torch.no_grad():  # make EOS (id 2) likely so that rows end at different steps
        model.lm_head.bias = torch.nn.Parameter(torch.zeros(VOCAB))
        model.lm_head.bias[2] = 3.5 if do_sample else 0.0
    selects = []
    original = llama_decode.LlamaDecoder.select
    monkeypatch.setattr(
        llama_decode.LlamaDecoder, "select", lambda self, index: (selects.append(index.numel()), original(self, index))
    )
    ids = torch.tensor([[0, 0, 5, 6, 7], [8, 9, 10, 11, 12], [0, 13, 14, 15, 16]])
    mask = (torch.arange(5) >= torch.tensor([[2], [0], [1]])).long()
    runs = {}
    for drop in (True, False):
        torch.manual_seed(11)
        runs[drop] = sample_tokens(
            model, ids, mask, max_new_tokens=24, eos_ids=[2], pad_id=0, do_sample=do_sample, group_size=6,
            drop_finished=drop,
        )  # fmt: skip
    torch.manual_seed(11)
    options = {"do_sample": True, "temperature": 1.0, "top_p": 1.0, "top_k": 0} if do_sample else {"do_sample": False}
    reference = model.generate(  # pyright: ignore[reportAttributeAccessIssue]
        input_ids=ids.repeat_interleave(6, 0), attention_mask=mask.repeat_interleave(6, 0), max_new_tokens=24,
        eos_token_id=2, pad_token_id=0, **options,
    )[:, 5:]  # fmt: skip
    tokens = runs[True].tokens
    assert torch.equal(tokens, reference[:, : tokens.shape[1]]) and torch.equal(tokens, runs[False].tokens)
    assert torch.allclose(runs[True].logp, runs[False].logp, atol=1e-6)
    ends = [(row == 2).nonzero()[0].item() if (row == 2).any() else None for row in tokens]
    if do_sample:
        assert selects, "no row left the batch: the test does not exercise dropping"
        assert len({end for end in ends if end is not None}) > 3  # rows ended at many different steps
    for row, end in zip(tokens, ends, strict=True):  # padding (and log-prob 0) after a row's EOS
        if end is not None:
            assert (row[end + 1 :] == 0).all()


@pytest.mark.parametrize("entropy_grad", [False, True], ids=["logp", "logp+entropy"])
def test_token_logp_entropy_values_and_gradients_equal_autograd(entropy_grad) -> None:
    from mathreward.rl.engine.token_logp import token_logp_entropy

    rng = torch.Generator().manual_seed(8)
    logits = (3 * torch.randn((3, 5, VOCAB), generator=rng)).requires_grad_()
    targets = torch.randint(0, VOCAB, (3, 5), generator=rng)
    g, h = torch.randn((3, 5), generator=rng), torch.randn((3, 5), generator=rng)

    log_probs = torch.log_softmax(logits, dim=-1)
    ref_logp = log_probs.gather(-1, targets[..., None]).squeeze(-1)
    ref_entropy = -(log_probs.exp() * log_probs).sum(-1)
    ((ref_logp * g).sum() + ((ref_entropy * h).sum() if entropy_grad else 0)).backward()
    ref_grad, logits.grad = logits.grad, None
    assert ref_grad is not None

    logp, entropy = token_logp_entropy(logits, targets, entropy_grad=entropy_grad)
    assert entropy.requires_grad == entropy_grad
    ((logp * g).sum() + ((entropy * h).sum() if entropy_grad else 0)).backward()
    assert torch.allclose(logp, ref_logp, atol=1e-5) and torch.allclose(entropy, ref_entropy, atol=1e-5)
    assert logits.grad is not None and torch.allclose(logits.grad, ref_grad, atol=1e-6)
    with torch.no_grad():  # no graph: the same values
        plain = token_logp_entropy(logits, targets)
    assert torch.equal(plain[0], logp.detach()) and torch.equal(plain[1], entropy.detach())


def test_draw_one_is_torch_multinomials_draw() -> None:
    from mathreward.rl.engine.generation import draw_one

    probs = torch.rand((7, VOCAB), generator=torch.Generator().manual_seed(9)).pow(3)
    probs[:, :10] = 0.0  # tokens that may never be drawn
    probs = probs / probs.sum(-1, keepdim=True)
    for seed in range(5):
        torch.manual_seed(seed)
        ours, after = draw_one(probs), torch.rand(2)
        torch.manual_seed(seed)
        assert torch.equal(ours, torch.multinomial(probs, 1).squeeze(1)) and torch.equal(after, torch.rand(2))
        assert (ours >= 10).all()


def test_training_forward_leaves_larger_models_to_their_own_forward(monkeypatch) -> None:
    model = _llama(gqa=True, bias=False).train()
    assert llama_train.supports(model)
    monkeypatch.setattr(llama_layers, "FUSE_LIMIT", 1000)  # below this model's layer parameters
    assert not llama_train.supports(model)
