"""Models to and from elsewhere: PyTorch weights in (``from_torch``), ONNX out (``to_onnx``).

- :mod:`.pytorch` — ``from_torch(module_or_state_dict, into=model)``, checked shape by shape
- :mod:`.onnx` — ``to_onnx(model, path, example)`` (the ``onnx`` extra)
"""

from toolkit.nn.interop.pytorch import LoadReport, from_torch, to_state_dict

__all__ = ["LoadReport", "from_torch", "to_state_dict"]
