"""A run folder: what it holds, the data fingerprint, versions, and the resume check.

``run.json`` records the seed, the versions of toolkit and its main dependencies,
the data's fingerprint, the classes and the status (``running`` / ``done``);
``config.yaml`` is the resolved config. A resume compares all three — config,
fingerprint, toolkit's version — and refuses naming each difference.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

from toolkit.errors import RunFolderError

DEPENDENCIES = ("numpy", "polars", "scikit-learn", "albumentations", "opencv-python-headless",
                "PyYAML", "safetensors", "skops", "matplotlib")
CHECKPOINT = "checkpoint.safetensors"
OURS = ("run.json", "config.yaml", "metrics.csv", "evaluation.csv", "bad_files.csv",
        "tuning.csv", "model.safetensors", "model.skops", "checkpoint.safetensors",
        "loss.png", "measures.png", "confusion.png", "predictions.png", "tuning.png",
        "report.html")


def versions() -> dict:
    """versions() -> {'toolkit': ..., 'python': ..., dependency: version} of this process."""
    import toolkit

    out = {"toolkit": toolkit.__version__, "python": platform.python_version()}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def fingerprint(path: Path) -> str:
    """fingerprint(path) -> a hash of a file's bytes, or of a folder's files (names and bytes)."""
    digest = hashlib.blake2b(digest_size=16)
    if path.is_file():
        _file(digest, path)
        return digest.hexdigest()
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            full = Path(root) / name
            digest.update(str(full.relative_to(path)).encode() + b"\0")
            _file(digest, full)
    return digest.hexdigest()


def _file(digest, path: Path) -> None:
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)


def read_info(folder: Path) -> dict | None:
    """read_info(folder) -> the folder's run.json, or None when it holds no run."""
    path = folder / "run.json"
    return json.loads(path.read_text()) if path.is_file() else None


def write_info(folder: Path, info: dict) -> None:
    """write_info(folder, info) — run.json, written whole (temporary file, then renamed)."""
    tmp = folder / "run.json.tmp"
    tmp.write_text(json.dumps(info, indent=2, sort_keys=True))
    tmp.replace(folder / "run.json")


def prepare(folder: Path, *, resume: bool, force: bool) -> dict | None:
    """prepare(folder, *, resume, force) -> the earlier run's info (resume) or None (fresh)."""
    info = read_info(folder)
    if resume:
        if info is None:
            raise RunFolderError(f"{folder} holds no run to resume; run without --resume")
        return info
    if info is not None and not force:
        state = "finished" if info.get("status") == "done" else "unfinished"
        msg = (f"{folder} already holds a {state} run; resume it with --resume, replace it "
               "with --force, or choose another folder with --out DIR")
        raise RunFolderError(msg)
    if info is not None:
        for name in OURS:
            (folder / name).unlink(missing_ok=True)
    elif folder.exists() and any(folder.iterdir()):
        raise RunFolderError(f"{folder} is not empty and holds no run; choose --out DIR")
    folder.mkdir(parents=True, exist_ok=True)
    return None


def changes(before: dict, after: dict, old_config: dict, new_config: dict) -> list[str]:
    """changes(before, after, old_config, new_config) -> what differs, one line each."""
    out = [f"config {key}: {a!r} then, {b!r} now" for key, a, b in _diff(old_config, new_config)]
    if before.get("fingerprint") != after.get("fingerprint"):
        out.append(f"the data changed (fingerprint {before.get('fingerprint')} then, "
                   f"{after.get('fingerprint')} now)")
    old, new = before.get("versions", {}).get("toolkit"), after["versions"]["toolkit"]
    if old != new:
        out.append(f"toolkit {old} then, {new} now")
    return out


def _diff(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            where = f"{path}.{key}" if path else str(key)
            yield from _diff(a.get(key), b.get(key), where)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield path, a, b

