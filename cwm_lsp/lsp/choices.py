"""What the user chose for a function with the commands: other inputs
(``cwm.simulateWithInputs``), another sample (``cwm.simulateAgain``), a real
run shown beside the imagined one (``cwm.runAndCompare``).  Kept per document
uri and function qualname, across versions of the document."""

from __future__ import annotations

from dataclasses import dataclass, field

from cwm_lsp.lsp.documents import FunctionPlan
from cwm_lsp.predict.keys import PredictionKey
from cwm_lsp.trace import Trace


@dataclass
class Choices:
    #: uri -> qualname -> args text given with cwm.simulateWithInputs
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    #: uri -> qualname -> resample counter (cwm.simulateAgain)
    samples: dict[str, dict[str, int]] = field(default_factory=dict)
    #: (uri, qualname) -> (the prediction key it was compared for, the real trace)
    real: dict[tuple[str, str], tuple[PredictionKey, Trace]] = field(default_factory=dict)

    def set_inputs(self, uri: str, qualname: str, args: str) -> None:
        """Predict this function with these inputs from now on."""
        self.inputs.setdefault(uri, {})[qualname] = args

    def resample(self, uri: str, qualname: str) -> int:
        """Ask for a new sample of this function's prediction; returns its number."""
        counters = self.samples.setdefault(uri, {})
        counters[qualname] = counters.get(qualname, 0) + 1
        return counters[qualname]

    def set_real(self, uri: str, plan: FunctionPlan, trace: Trace) -> None:
        """Record a real run of ``plan``'s function, for as long as the plan is current."""
        self.real[(uri, plan.func.qualname)] = (plan.key, trace)

    def real_for(self, uri: str, plan: FunctionPlan) -> Trace | None:
        """The real run recorded for this plan, unless the function or its inputs changed."""
        entry = self.real.get((uri, plan.func.qualname))
        if entry is None or entry[0] != plan.key:
            return None
        return entry[1]
