"""A whole training run on the tiny Qwen2: a few steps, checkpoints, resume, export, load.

Costs a few seconds: the model is 2 layers 64 wide with a ~270-token vocabulary.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from train.conftest import require_llama_cpp, require_train_extra

pytestmark = pytest.mark.slow


def gguf_fields(path: Path) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """(metadata key -> value, tensor name -> numpy shape) of a GGUF file."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    metadata: dict[str, Any] = {}
    for key, field in reader.fields.items():
        if key.startswith("GGUF."):
            continue
        value = field.contents()
        metadata[key] = value
    shapes = {t.name: tuple(int(n) for n in reversed(t.shape)) for t in reader.tensors}
    return metadata, shapes


def test_three_steps_checkpoint_and_export_a_gguf_lora(tiny_run: Any) -> None:
    options, result = tiny_run
    out = Path(options.out)
    assert result.step == 3 and result.stopped_by == "steps"
    assert result.checkpoint == out / "checkpoint.pt" and result.checkpoint.is_file()
    assert result.adapter == out / "adapter.gguf"
    summary = json.loads((out / "train.json").read_text())
    assert summary["step"] == 3
    assert [h["step"] for h in summary["history"]] == [2, 3]
    assert all("holdout_loss" in h and "train_loss" in h for h in summary["history"])

    metadata, shapes = gguf_fields(result.adapter)
    assert metadata["general.type"] == "adapter"
    assert metadata["adapter.type"] == "lora"
    assert metadata["general.architecture"] == "qwen2"
    assert metadata["adapter.lora.alpha"] == pytest.approx(4.0)  # 2 x rank
    assert metadata["cwm_lsp.prompt.fewshot"] is False
    assert metadata["adapter.lora.task_name"] == "cwm-lsp:generic:header"  # llama-server lists it
    assert metadata["cwm_lsp.train.steps"] == 3
    # rank 2 on layer 1 only, the seven projections; A is rank x in, B is out x rank
    assert len(shapes) == 14
    assert shapes["blk.1.attn_q.weight.lora_a"] == (2, 64)
    assert shapes["blk.1.attn_q.weight.lora_b"] == (64, 2)
    assert shapes["blk.1.attn_k.weight.lora_b"] == (32, 2)  # 2 KV heads of 16
    assert shapes["blk.1.ffn_down.weight.lora_a"] == (2, 128)
    assert not any(name.startswith("blk.0.") for name in shapes)


def test_the_adapter_loads_in_llama_cpp_through_the_engine_and_the_model_room(
    tiny_run: Any, tiny_qwen2: Path
) -> None:
    require_llama_cpp()
    from cwm_lsp.engine.llama_loader import open_llama
    from cwm_lsp.model import ModelConfig, load_model

    _, result = tiny_run
    engine = open_llama(
        str(tiny_qwen2),
        architecture="qwen2",
        n_ctx=512,
        n_threads=1,
        n_threads_batch=1,
        n_gpu_layers=0,
        seed=0,
        lora_path=str(result.adapter),
    )
    engine.close()

    world = load_model(
        ModelConfig(path=str(tiny_qwen2), adapter=str(result.adapter), n_ctx=4096, n_threads=1)
    )
    try:
        assert world.info.adapter == str(result.adapter)
        assert world.info.adapter_origin == "settings"
        assert world.fewshot is False  # the adapter was trained on the prompt without examples
        imagined = world.imagine("def f(x):\n    y = x + 1\n    return y\n", "f", "1", max_frames=4)
        assert imagined.trace.frames  # a random model: any frames, but it runs with the adapter
    finally:
        world.close()


def test_a_stopped_run_resumes_to_the_very_same_adapter(tiny_run: Any, tmp_path: Path) -> None:
    require_train_extra()
    import torch

    from cwm_lsp.train.checkpoint import load_checkpoint
    from cwm_lsp.train.trainer import train

    options, result = tiny_run
    split = replace(options, out=str(tmp_path / "split"), stop_at=2)
    first = train(split)
    assert (first.step, first.stopped_by) == (2, "stop-at")
    with pytest.raises(Exception, match="--resume"):
        train(replace(split, stop_at=0))
    second = train(replace(split, stop_at=0, resume=True, lr=1.0))  # lr: the checkpoint's wins
    assert (second.step, second.stopped_by) == (3, "steps")
    resumed = load_checkpoint(second.checkpoint).lora
    straight = load_checkpoint(result.checkpoint).lora
    assert resumed.keys() == straight.keys()
    for name in straight:
        assert torch.equal(resumed[name], straight[name]), name


def test_the_time_budget_stops_the_run_with_a_checkpoint(tiny_run: Any, tmp_path: Path) -> None:
    require_train_extra()
    from cwm_lsp.train.trainer import train

    options, _ = tiny_run
    result = train(
        replace(options, out=str(tmp_path / "budget"), steps=10_000, budget_minutes=1e-4)
    )
    assert result.stopped_by == "budget" and result.step == 1
    assert result.checkpoint.is_file() and result.adapter is not None and result.adapter.is_file()


def test_the_commands_train_and_export_an_adapter(
    tiny_run: Any, tiny_qwen2: Path, tiny_corpus: Path, tmp_path: Path, capsys: Any
) -> None:
    require_train_extra()
    from cwm_lsp.cli import main

    out = tmp_path / "cli-run"
    code = main(
        [
            "model", "train", "--corpus", str(tiny_corpus), "--out", str(out),
            "--model", str(tiny_qwen2), "--steps", "1", "--rank", "2", "--layers", "last:1",
            "--batch", "1", "--holdout", "0", "--threads", "1",
        ]
    )  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out / "adapter.gguf")
    assert "step 1/1" in captured.err and "tok/s" in captured.err and "ETA" in captured.err

    _, result = tiny_run
    exported = tmp_path / "half.gguf"
    assert main(["model", "export-adapter", str(result.checkpoint), "--out", str(exported)]) == 0
    metadata, shapes = gguf_fields(exported)
    assert metadata["general.type"] == "adapter" and len(shapes) == 14
    assert exported.stat().st_size < result.adapter.stat().st_size  # f16 against f32


def test_a_device_this_torch_cannot_use_is_refused_with_the_reason(
    tiny_qwen2: Path, tiny_corpus: Path, tmp_path: Path, capsys: Any
) -> None:
    require_train_extra()
    import torch

    from cwm_lsp.cli import main
    from cwm_lsp.train.base import TrainSetupError, resolve_device

    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") in {"cpu", "cuda", "mps"}
    with pytest.raises(TrainSetupError, match="not one of auto, cpu, cuda"):
        resolve_device("tpu")
    if torch.cuda.is_available():
        pytest.skip("this torch has a GPU: the refusal cannot happen here")
    with pytest.raises(TrainSetupError, match="cannot use CUDA"):
        resolve_device("cuda:0")
    out = tmp_path / "no-gpu"
    code = main(
        [
            "model", "train", "--corpus", str(tiny_corpus), "--out", str(out),
            "--model", str(tiny_qwen2), "--steps", "1", "--device", "cuda",
        ]
    )  # fmt: skip
    assert code == 2
    assert "--device cuda: this torch cannot use CUDA" in capsys.readouterr().err
    assert not (out / "checkpoint.pt").exists()


def test_on_a_gpu_the_run_gives_the_cpus_adapter(tiny_run: Any, tmp_path: Path) -> None:
    """Where torch has CUDA (never in CI), three steps on the GPU match the CPU run."""
    require_train_extra()
    import torch

    from cwm_lsp.train.checkpoint import load_checkpoint
    from cwm_lsp.train.trainer import train

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device here")
    options, result = tiny_run
    gpu = train(replace(options, out=str(tmp_path / "gpu"), device="cuda"))
    assert gpu.step == result.step
    on_gpu, on_cpu = load_checkpoint(gpu.checkpoint).lora, load_checkpoint(result.checkpoint).lora
    for name in on_cpu:
        assert torch.allclose(on_gpu[name], on_cpu[name], atol=1e-4), name


def test_a_resumed_command_keeps_the_checkpoints_settings_but_those_given_again(
    tiny_qwen2: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    require_train_extra()
    from cwm_lsp.cli import main

    out = tmp_path / "resumed"
    common = ["model", "train", "--corpus", str(tiny_corpus), "--out", str(out),
              "--model", str(tiny_qwen2), "--rank", "2", "--layers", "last:1", "--batch", "1",
              "--holdout", "0"]  # fmt: skip
    assert main([*common, "--steps", "3", "--stop-at-step", "1", "--checkpoint-every", "1",
                 "--threads", "1"]) == 0  # fmt: skip
    # --steps given again, --checkpoint-every and --threads not: theirs stay 1, not the defaults
    assert main([*common, "--resume", "--steps", "2"]) == 0
    options = json.loads((out / "train.json").read_text())["options"]
    assert (options["steps"], options["checkpoint_every"], options["threads"]) == (2, 1, 1)
    assert options["stop_at"] == 0 and options["device"] == "cpu"  # the stop was the first run's
