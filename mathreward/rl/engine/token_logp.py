"""Per-token log-probabilities of the taken tokens and the policy's entropy, in fewer passes over the vocabulary.

Autograd's version (``log_softmax``, ``gather``, ``exp``, product, sum, then the backward of each) reads and writes
the [N, T, V] logits about seven times; this one three times forward (log-softmax, its exponential, one batched dot
product for the entropy) and once backward: the gradient of ``logp_t = z_t - logsumexp(z)`` is ``onehot(t) - p``
and that of the entropy ``H = -sum p log p`` is ``-p (log p + H)``, so both are one scaled copy of ``p`` plus a scatter
at the taken tokens. Values and gradients equal autograd's up to float rounding (``tests/test_rl_lean_llama.py``).
"""

from __future__ import annotations

from typing import Any

import torch


def _passes(
    logits: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """log-softmax, its exponential, the taken tokens' log-probs and the entropies."""
    log_probs = torch.log_softmax(logits, dim=-1)
    probs = log_probs.exp()
    logp = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    vocab = logits.shape[-1]
    entropy = -torch.bmm(probs.reshape(-1, 1, vocab), log_probs.reshape(-1, vocab, 1)).view(logp.shape)
    return log_probs, probs, logp, entropy


class _TokenLogpEntropy(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, logits: torch.Tensor, targets: torch.Tensor, entropy_grad: bool) -> Any:
        log_probs, probs, logp, entropy = _passes(logits, targets)
        ctx.entropy_grad = entropy_grad
        ctx.save_for_backward(probs, targets, log_probs if entropy_grad else None, entropy if entropy_grad else None)
        ctx.mark_non_differentiable(targets)
        if not entropy_grad:
            ctx.mark_non_differentiable(entropy)
        return logp, entropy

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor) -> Any:
        grad_logp, grad_entropy = grads
        probs, targets, log_probs, entropy = ctx.saved_tensors
        grad_logp = torch.zeros_like(probs[..., 0]) if grad_logp is None else grad_logp
        if ctx.entropy_grad and grad_entropy is not None:
            # d/dz [g logp + h H] = g onehot - p (g + h (log p + H))
            scale = (log_probs + entropy.unsqueeze(-1)).mul_(grad_entropy.unsqueeze(-1)).add_(grad_logp.unsqueeze(-1))
            grad = scale.mul_(probs).neg_()
        else:
            grad = probs * (-grad_logp).unsqueeze(-1)
        grad.scatter_add_(-1, targets.unsqueeze(-1), grad_logp.unsqueeze(-1))
        return grad, None, None


def token_logp_entropy(
    logits: torch.Tensor, targets: torch.Tensor, *, entropy_grad: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """``logp`` [N, T] of ``targets`` [N, T] under ``logits`` [N, T, V] (float) and the entropy [N, T] of each
    position's distribution; the entropy carries gradients only with ``entropy_grad``."""
    if not (torch.is_grad_enabled() and logits.requires_grad):
        _, _, logp, entropy = _passes(logits, targets)
        return logp, entropy
    logp, entropy = _TokenLogpEntropy.apply(logits, targets, entropy_grad)
    return logp, entropy
