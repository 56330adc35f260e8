"""The prompt's fixed prefix: evaluated once per model, saved, restored, never trusted when bad."""

from __future__ import annotations

from pathlib import Path

from cwm_lsp.engine import SequenceState
from cwm_lsp.model.prefix_state import read_state, warm_prefix, write_state
from cwm_lsp.model.world import LlamaWorldModel

PREFIX = "### Instructions\nTrace the call line by line.\n" * 4


def test_a_saved_state_reads_back_only_for_the_same_tokens(tmp_path: Path) -> None:
    path = tmp_path / "x.state"
    write_state(path, SequenceState(tokens=[1, 2, 3], data=b"kv-cells"))
    assert read_state(path, [1, 2, 3]) == SequenceState([1, 2, 3], b"kv-cells")
    assert read_state(path, [1, 2, 4]) is None  # stale: another prefix
    assert read_state(tmp_path / "missing.state", [1, 2, 3]) is None


def test_a_corrupt_or_cut_state_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.state"
    write_state(path, SequenceState(tokens=[5, 6], data=b"0123456789"))
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert read_state(path, [5, 6]) is None
    path.write_bytes(bytes(raw[:-3]))
    assert read_state(path, [5, 6]) is None
    path.write_bytes(b"not a state file")
    assert read_state(path, [5, 6]) is None


def test_the_prefix_is_built_once_then_restored(
    tiny_model: LlamaWorldModel, tmp_path: Path
) -> None:
    engine = tiny_model.engine
    first = warm_prefix(engine, PREFIX, model_path=tiny_model.info.path, directory=tmp_path)
    assert first.action == "built" and first.reason == "no saved state"
    expected = engine.tokenize(PREFIX)
    assert list(engine.cached_tokens()) == expected

    engine.clear()
    again = warm_prefix(engine, PREFIX, model_path=tiny_model.info.path, directory=tmp_path)
    assert again.action == "restored"
    assert list(engine.cached_tokens()) == expected
    # What follows the prefix costs only its own tokens.
    more = engine.tokenize(" more")
    assert engine.sync(object(), [*expected, *more]) == len(more)


def test_a_corrupt_state_on_disk_is_rebuilt(tiny_model: LlamaWorldModel, tmp_path: Path) -> None:
    engine = tiny_model.engine
    report = warm_prefix(engine, PREFIX, model_path=tiny_model.info.path, directory=tmp_path)
    state_file = Path(report.path)
    state_file.write_bytes(state_file.read_bytes()[:-10])
    engine.clear()
    rebuilt = warm_prefix(engine, PREFIX, model_path=tiny_model.info.path, directory=tmp_path)
    assert rebuilt.action == "built" and "stale or corrupt" in rebuilt.reason
    assert read_state(state_file, engine.tokenize(PREFIX)) is not None
