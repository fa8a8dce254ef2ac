"""Low-rank adapters, so a fine-tune ships as a few MiB of delta over its base.

During training each targeted ``nn.Linear`` gets a rank-``r`` update
``B @ A * alpha / r``; biases, LayerNorms and the classifier head train in
full. ``delta_state`` returns exactly what ``nkclaims.model.apply_delta``
adds back onto a fresh base model (the scale folded into ``B``).
"""
from __future__ import annotations

import math

import torch
from torch import nn

# BERT's attention and feed-forward projections
DEFAULT_TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")


class LoRALinear(nn.Module):
    """``nn.Linear`` plus a trainable low-rank update; the base weight stays frozen.

    >>> lin = LoRALinear(nn.Linear(4, 3), r=2)
    >>> torch.equal(lin(torch.ones(1, 4)), lin.base(torch.ones(1, 4)))  # B starts at zero
    True
    """

    def __init__(self, base: nn.Linear, r: int = 16, alpha: float = 32.0) -> None:
        super().__init__()
        self.base = base
        self.scale = alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        base.weight.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scale


def add_lora(model: nn.Module, r: int = 16, alpha: float = 32.0, targets=DEFAULT_TARGETS) -> int:
    """Wrap the encoder's targeted linears in place; return how many were wrapped.

    Everything else is frozen except biases, LayerNorms and the head.

    >>> from transformers import BertConfig, BertForTokenClassification
    >>> m = BertForTokenClassification(BertConfig(hidden_size=8, num_hidden_layers=1,
    ...     num_attention_heads=2, intermediate_size=16, vocab_size=20))
    >>> add_lora(m, r=2)
    6
    """
    wrapped = 0
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            full = f"{name}.{child_name}" if name else child_name
            if isinstance(child, nn.Linear) and ".encoder." in f".{full}" and full.endswith(targets):
                setattr(module, child_name, LoRALinear(child, r, alpha))
                wrapped += 1
    for pname, p in model.named_parameters():
        p.requires_grad_(
            "lora_" in pname or pname.endswith(".bias") or "LayerNorm" in pname or pname.startswith("classifier.")
        )
    return wrapped


def delta_state(model: nn.Module, full_finetune: bool = False) -> dict[str, torch.Tensor]:
    """The tensors that turn a fresh base model into the trained one.

    With adapters, names are the base model's parameter names (``….weight``)
    with ``.lora_A``/``.lora_B`` suffixes; other trainable parameters are
    stored whole. With ``full_finetune`` every trainable parameter is stored.

    >>> lin = nn.Sequential(LoRALinear(nn.Linear(2, 2), r=1))
    >>> sorted(delta_state(lin))
    ['0.bias', '0.weight.lora_A', '0.weight.lora_B']
    """
    out: dict[str, torch.Tensor] = {}
    for name, module in model.named_modules():
        if isinstance(module, LoRALinear):
            key = f"{name}.weight"
            out[key + ".lora_A"] = module.lora_A.detach().float().contiguous().clone()
            out[key + ".lora_B"] = (module.lora_B.detach().float() * module.scale).contiguous().clone()
    for name, p in model.named_parameters():
        if (p.requires_grad or full_finetune) and "lora_" not in name:
            # a wrapped linear's own bias is `x.base.bias` here but `x.bias` in the base model
            out[name.replace(".base.", ".")] = p.detach().float().contiguous().clone()
    return out
