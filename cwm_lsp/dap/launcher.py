"""The small script debugpy runs in compare mode: import the program, call the function.

The program is imported by path under its own module name (so its
``if __name__ == "__main__"`` block does not run); the arguments are
evaluated in the program's namespace; the call sits on a line of its own,
:data:`CALL_LINE`, where the adapter puts a breakpoint and steps in.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

_TEMPLATE = """\
import importlib.util as _cwm_util, sys as _cwm_sys
_cwm_sys.path.insert(0, {directory!r})
_cwm_spec = _cwm_util.spec_from_file_location({module!r}, {program!r})
_cwm_module = _cwm_util.module_from_spec(_cwm_spec)
_cwm_sys.modules[{module!r}] = _cwm_module
_cwm_spec.loader.exec_module(_cwm_module)
_cwm_function = (lambda f: getattr(f, "fget", f))(__import__("functools").reduce(getattr, {parts!r}, _cwm_module))
_cwm_args, _cwm_kwargs = eval({pack!r}, vars(_cwm_module))
_cwm_result = _cwm_function(*_cwm_args, **_cwm_kwargs)
"""

#: 1-based line of the call in the launcher.
CALL_LINE = 9


def write_launcher(program: Path, function: str, arguments_source: str) -> Path:
    """Write the launcher into a fresh private temp dir and return its path."""
    directory = Path(tempfile.mkdtemp(prefix="cwm-dap-"))
    module = "_cwm_program_" + "".join(c if c.isalnum() else "_" for c in program.stem)
    text = _TEMPLATE.format(
        directory=str(program.parent),
        module=module,
        program=str(program),
        parts=function.split("."),
        pack=f"(lambda *a, **k: (a, k))({arguments_source})",
    )
    assert text.splitlines()[CALL_LINE - 1].startswith("_cwm_result =")
    path = directory / "cwm_launch.py"
    path.write_text(text, encoding="utf-8")
    return path
