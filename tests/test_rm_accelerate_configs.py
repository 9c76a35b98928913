"""The multi-GPU launch configs shipped for `accelerate launch ... mathreward rm train` load as accelerate reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFIG_DIR = Path(__file__).resolve().parents[1] / "mathreward" / "reward_models" / "accelerate"


@pytest.mark.parametrize(
    ("name", "kind"), [("ddp.yaml", "MULTI_GPU"), ("fsdp.yaml", "FSDP"), ("deepspeed_zero2.yaml", "DEEPSPEED")]
)
def test_launch_config_loads_with_accelerate(name: str, kind: str) -> None:
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(CONFIG_DIR / name))
    assert config.distributed_type.name == kind
    assert config.mixed_precision == "bf16"
    assert config.num_machines == 1 and config.num_processes > 1
    if kind == "FSDP":
        # checkpoints call save_pretrained on a gathered state dict: the full one, not shards
        assert config.fsdp_config["fsdp_state_dict_type"] == "FULL_STATE_DICT"
    if kind == "DEEPSPEED":
        # the trainer accumulates gradients itself; DeepSpeed's own accumulation must stay at 1
        assert config.deepspeed_config["gradient_accumulation_steps"] == 1
