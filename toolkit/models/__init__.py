"""toolkit.models — see docs/architecture.md for what this layer owns."""

from toolkit.models.machine import (
    Machine,
    fit,
    fitted_params,
    machine,
    predict,
    predict_mode,
    predict_proba,
    report,
    transform,
)
from toolkit.models.registry import ModelsFunction, info, load_model, matching

models = ModelsFunction()  # tk.models(): the registry listing, and the subpackage's names

__all__: list[str] = []
__all__ += ["info", "load_model", "matching", "models"]
__all__ += ["Machine", "fit", "fitted_params", "machine", "predict", "predict_mode", "predict_proba"]
__all__ += ["report", "transform"]
