"""DebugClient spawns `<runtime> <one argument>`: this script is that argument (`cwm-lsp dap`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cwm_lsp.cli import main

sys.exit(main(["dap"]))
