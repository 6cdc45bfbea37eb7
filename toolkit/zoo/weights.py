"""Reading pretrained weights: safetensors files, ``.pth`` files, Hugging Face Hub ids.

``read_state_dict(weights)`` gives ``{name: numpy array}`` in the file's order, ready for
:func:`toolkit.from_torch`:

- ``*.safetensors`` — read with ``safetensors`` alone (no torch needed, no code run);
- ``*.pth`` / ``*.pt`` / ``*.bin`` — read by ``torch.load(..., weights_only=True)`` (which
  refuses pickled code); torch must be installed;
- ``"hf-hub:org/name"`` (timm's spelling) or ``"org/name"`` that is not a local path — the
  repository's ``model.safetensors`` (else ``pytorch_model.bin``) through
  ``huggingface_hub`` (the ``hub`` extra), from its cache first.

>>> import numpy as np, tempfile, os
>>> from safetensors.numpy import save_file
>>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
>>> save_file({"fc.weight": np.ones((2, 3), np.float32)}, path)
>>> {k: v.shape for k, v in read_state_dict(path).items()}
{'fc.weight': (2, 3)}
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from toolkit.errors import BadFileError, DataError

_TORCH_SUFFIXES = (".pth", ".pt", ".bin")
_HUB_FILES = ("model.safetensors", "pytorch_model.bin")


def read_state_dict(weights, *, cache_dir=None) -> dict:
    """read_state_dict(weights, *, cache_dir=None) -> {name: numpy array}.

    ``weights``: a path (safetensors or torch), a Hub id, or a dict (returned as arrays).
    ``cache_dir`` is the Hub cache (default: huggingface_hub's, ``HF_HUB_CACHE``).
    """
    if isinstance(weights, dict):
        return {k: np.asarray(v) for k, v in weights.items()}
    text = str(weights)
    if text.startswith("hf-hub:") or (not Path(text).exists() and _looks_like_hub_id(text)):
        return read_state_dict(hub_file(text.removeprefix("hf-hub:"), cache_dir=cache_dir))
    path = Path(text)
    if not path.exists():
        raise BadFileError(path, "no such file (give a .safetensors or .pth file, or a Hub id "
                                 "such as 'hf-hub:timm/resnet18.a1_in1k')")
    if path.suffix == ".safetensors":
        return _read_safetensors(path)
    if path.suffix in _TORCH_SUFFIXES:
        return _read_torch(path)
    raise BadFileError(path, f"unknown weights format {path.suffix!r}; expected .safetensors "
                             f"or one of {', '.join(_TORCH_SUFFIXES)}")


def _looks_like_hub_id(text: str) -> bool:
    parts = text.split("/")
    return len(parts) == 2 and all(parts) and not text.endswith(
        (".safetensors", *_TORCH_SUFFIXES))


def _read_safetensors(path: Path) -> dict:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return dict(load_file(str(path)))
    except (SafetensorError, OSError, ValueError) as err:
        raise BadFileError(path, f"not a readable safetensors file ({err})") from None


def _read_torch(path: Path) -> dict:
    try:
        import torch
    except ImportError:
        raise BadFileError(path, "a PyTorch file needs torch to read it (pip install torch), "
                                 "or convert it to .safetensors where torch is installed "
                                 "(safetensors.torch.save_file(state_dict, 'x.safetensors'))"
                           ) from None
    try:
        data = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds (UnpicklingError, RuntimeError)
        raise BadFileError(path, f"torch.load(weights_only=True) refused it ({err})") from None
    if isinstance(data, dict) and "state_dict" in data and isinstance(data["state_dict"], dict):
        data = data["state_dict"]  # a training checkpoint around the weights
    if not isinstance(data, dict):
        raise BadFileError(path, f"expected a state_dict, found a {type(data).__name__}")
    return {k: v.detach().cpu().numpy() for k, v in data.items() if hasattr(v, "detach")}


def hub_file(repo_id: str, *, cache_dir=None) -> str:
    """hub_file(repo_id, *, cache_dir=None) -> the local path of the repository's weights file.

    Looks in the cache first (no network); downloads only when it is not there. Offline,
    says so and how to pass a local file instead.
    """
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError
    except ImportError:
        raise DataError(f"weights {repo_id!r} come from the Hugging Face Hub, which needs "
                        f"huggingface_hub: pip install 'toolkit[hub]' (or pass a local file)"
                        ) from None
    for local in (True, False):
        for name in _HUB_FILES:
            try:
                return hf_hub_download(repo_id, name, cache_dir=cache_dir,
                                       local_files_only=local)
            except (EntryNotFoundError, LocalEntryNotFoundError):
                continue  # not this file, or not in the cache: try the next
            except Exception as err:  # noqa: BLE001  (offline mode, no network, no such repo)
                raise _offline(repo_id, f"{type(err).__name__}: {err}") from None
    raise _offline(repo_id, "not in the cache and not downloadable")


def _offline(repo_id, why) -> DataError:
    return DataError(
        f"could not get the weights of {repo_id!r} from the Hugging Face Hub ({why}). "
        f"Offline? Download {' or '.join(_HUB_FILES)} where there is a network and pass "
        f"weights='path/to/model.safetensors', or fill the cache (HF_HUB_CACHE)")
