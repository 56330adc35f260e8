"""Run the fuzz campaign (tests/fuzz/campaign.py) with larger budgets and write its figures.

    .venv/bin/python scripts/fuzz.py --scale 4 --seed 20261201 --out docs/bench/fuzz.json

``--scale`` multiplies the CI budgets (examples and seconds per phase); the
CI run is scale 1 (tests/fuzz/test_campaign.py).  Exit code 1 when the
campaign found anything (the falsifying examples are printed, with the seed
of their chunk), 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fuzz.campaign import Budget, run_campaign  # noqa: E402
from fuzz.noise_models import default_model_path, tiny_cwm_path  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--scale", type=float, default=4.0)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "bench" / "fuzz.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cwm-fuzz-") as folder:
        vocabularies = {"generic": default_model_path(), "cwm": tiny_cwm_path(Path(folder))}
        campaign = run_campaign(
            Path(folder),
            seed=args.seed,
            budget=Budget().scaled(args.scale),
            vocabularies=vocabularies,
        )
    figures = campaign.to_json()
    figures["scale"] = args.scale
    found = {phase: v for phase, v in campaign.violations().items() if v}
    unasked = campaign.unasked_starts()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sys.stderr.write(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    for phase, violations in found.items():
        sys.stderr.write(f"\n== {phase}\n" + "\n".join(violations) + "\n")
    for line in unasked:
        sys.stderr.write(f"unasked process start: {line}\n")
    return 1 if found or unasked else 0


if __name__ == "__main__":
    sys.exit(main())
