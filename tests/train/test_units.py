"""The small parts of training: layer and target lists, the schedule, the data order, the bar."""

from __future__ import annotations

import io
import itertools

import pytest

from cwm_lsp.train.dataset import Dataset
from cwm_lsp.train.examples import Example
from cwm_lsp.train.progress import ProgressLine, clock
from cwm_lsp.train.spec import TARGETS, LoraSpec, parse_layers, parse_targets
from cwm_lsp.train.trainer import TrainOptions, learning_rate


def test_layers_and_targets_parse() -> None:
    assert parse_layers("all", 4) == (0, 1, 2, 3)
    assert parse_layers("last:2", 24) == (22, 23)
    assert parse_layers("0,2,20-23", 24) == (0, 2, 20, 21, 22, 23)
    with pytest.raises(ValueError, match="out of range"):
        parse_layers("3,30", 24)
    assert parse_targets("all") == tuple(TARGETS)
    assert parse_targets("q,v,down") == ("self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj")
    with pytest.raises(ValueError, match="unknown targets"):
        parse_targets("q,x")
    spec = LoraSpec(rank=8, alpha=16.0, layers=(1, 2))
    assert LoraSpec.from_json(spec.to_json()) == spec and spec.scale == 2.0


def test_the_learning_rate_warms_up_then_decays_to_a_tenth() -> None:
    options = TrainOptions(corpus="", out="", steps=100, warmup=10, lr=1e-3)
    rates = [learning_rate(options, step) for step in range(101)]
    assert rates[0] == pytest.approx(1e-4, rel=0.01)
    assert max(rates) == pytest.approx(rates[9]) and rates[9] < 1e-3
    assert rates[100] == pytest.approx(1e-4)
    assert all(a >= b for a, b in itertools.pairwise(rates[9:]))


def test_the_data_order_is_a_seeded_permutation_per_epoch() -> None:
    examples = [Example(f"e{i}", [1, 2], [1], 1, 1) for i in range(7)]
    data = Dataset(train=examples, holdout=[])
    first = [data.order(0, i).id for i in range(7)]
    second = [data.order(0, i).id for i in range(7, 14)]
    assert sorted(first) == sorted(second) == sorted(e.id for e in examples)
    assert first != second  # another permutation each epoch
    assert first == [data.order(0, i).id for i in range(7)]  # the same every time
    assert first != [data.order(1, i).id for i in range(7)]  # another seed, another order


def test_the_progress_line_has_a_bar_the_loss_the_speed_and_the_eta() -> None:
    stream = io.StringIO()
    bar = ProgressLine(10, stream=stream, interval=0.0)
    text = bar.line(
        5, loss=0.5, mean_loss=0.6, tokens_per_second=123.4, elapsed=65, eta=3700, budget_left=None
    )
    assert text.startswith("[############............] step 5/10 loss 0.500 (mean 0.600)")
    assert "123 tok/s, 1m05s elapsed, ETA 1h01m" in text
    bar.show(text)
    assert stream.getvalue() == text + "\n"  # not a terminal: whole lines
    assert clock(59) == "0m59s"
