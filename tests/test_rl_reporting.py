"""report_to sinks: names resolved as TRL does, TensorBoard event files readable back, wandb when installed."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from mathreward.rl.reporting import SINKS, open_sinks, resolve_report_to, scalars


def read_scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar of the TensorBoard event files under ``folder``: tag -> [(step, value)] (TFRecord framing:
    length, its CRC, the Event proto, its CRC)."""
    from tensorboardX.proto import event_pb2

    out: dict[str, list[tuple[int, float]]] = {}
    files = sorted(folder.rglob("events.out.tfevents.*"))
    assert files, f"no event file under {folder}"
    for path in files:
        data = path.read_bytes()
        offset = 0
        while offset < len(data):
            (length,) = struct.unpack("<Q", data[offset : offset + 8])
            event = event_pb2.Event.FromString(  # pyright: ignore[reportAttributeAccessIssue]  (generated)
                data[offset + 12 : offset + 12 + length]
            )
            offset += 12 + length + 4
            for value in event.summary.value:
                if value.HasField("simple_value"):
                    out.setdefault(value.tag, []).append((event.step, value.simple_value))
    return out


def test_report_to_names_follow_trl() -> None:
    assert resolve_report_to(None) == [] and resolve_report_to("none") == [] and resolve_report_to("") == []
    assert resolve_report_to("tensorboard") == ["tensorboard"]
    assert resolve_report_to("tensorboard, wandb") == ["tensorboard", "wandb"]
    assert resolve_report_to(["wandb"]) == ["wandb"]
    assert "tensorboard" in resolve_report_to("all")  # tensorboardX is a dependency
    assert set(resolve_report_to("all")) <= set(SINKS)
    with pytest.raises(ValueError, match="unknown report_to"):
        resolve_report_to("tensorbored")


def test_scalars_keep_numbers_and_group_names() -> None:
    record = {"step": 3, "reward": 0.5, "num_samples": 16, "heldout/greedy_accuracy": 0.9, "kl": None, "ok": True}
    assert scalars(record) == {"train/reward": 0.5, "train/num_samples": 16.0, "heldout/greedy_accuracy": 0.9}


def test_tensorboard_sink_writes_readable_event_files(tmp_path) -> None:
    (sink,) = open_sinks("tensorboard", tmp_path, "run", {"lr": 1e-4})
    sink.log({"step": 1, "reward": 0.25, "entropy": None}, 1)
    sink.log({"step": 2, "reward": -0.5, "heldout/greedy_accuracy": 0.75}, 2)
    sink.close()
    values = read_scalars(tmp_path / "tensorboard")
    assert values == {"train/reward": [(1, 0.25), (2, -0.5)], "heldout/greedy_accuracy": [(2, 0.75)]}


def test_wandb_sink_when_installed(tmp_path, monkeypatch) -> None:
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "disabled")
    (sink,) = open_sinks("wandb", tmp_path, "run", {"lr": 1e-4})
    sink.log({"step": 1, "reward": 0.25}, 1)
    sink.close()
