"""``apply(source, ["train.epochs=3", ...])``: Hydra-style ``key.path=value`` overrides.

Each value is read as YAML by the same loader as the file (tags refused, and so on)
and set at its key path; the path may index lists (``model.chain[0].Conv.out=32``)
and reach into a bare component name (``model.chain[2].Flatten`` becomes
``{Flatten: {...}}``). The merged config is then checked exactly like the file, and a
problem in an override is reported against ``--set KEY=VALUE``.

>>> from toolkit.pipeline.source import read
>>> src = apply(read("train: {epochs: 5}\\n", "p.yaml"), ["train.epochs=2", "seed=7"])
>>> src.data, str(src.mark(("train", "epochs")))
({'train': {'epochs': 2}, 'seed': 7}, '--set train.epochs=2')
"""

from __future__ import annotations

from toolkit.errors import InvalidConfigError, Problem
from toolkit.pipeline.fields import dotted, parse
from toolkit.pipeline.source import Mark, Source, read


def apply(source: Source, items) -> Source:
    """apply(source, ["key.path=value", ...]) -> a new Source with the values set."""
    data = _copy(source.data)
    marks, keys = dict(source.marks), dict(source.keys)
    problems = []
    for item in items:
        label = f"--set {item}"
        key, sep, text = item.partition("=")
        path = parse(key.strip())
        if not sep or not path:
            problems.append(Problem(label, "expected KEY.PATH=VALUE, e.g. train.epochs=3",
                                    mark=Mark(label, 0, 0)))
            continue
        try:
            value = read(text, label)
        except InvalidConfigError as err:
            problems += err.problems
            continue
        data, problem = _set(data, path, value.data if text.strip() else None)
        if problem:
            problems.append(Problem(dotted(path), problem, mark=Mark(label, 0, 0)))
            continue
        for sub, _ in value.marks.items():
            marks[(*path, *sub)] = Mark(label, 0, 0)
        keys[path] = marks[path] = Mark(label, 0, 0)
        for i in range(1, len(path)):  # keys the override created
            marks.setdefault(path[:i], Mark(label, 0, 0))
        for sub in [p for p in list(marks) if p[: len(path)] == path and len(p) > len(path)]:
            marks[sub] = Mark(label, 0, 0)
    if problems:
        raise InvalidConfigError(problems)
    return Source(data, source.file, marks, keys)


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _set(data, path: tuple, value):
    """_set(data, path, value) -> (data, None), or (data, problem) where the path cannot go."""
    if not isinstance(data, dict):
        return data, "the file's top level is not a mapping"
    node = data
    for i, part in enumerate(path[:-1]):
        child = path[i + 1]
        nxt = node[part] if _has(node, part) else None
        if isinstance(nxt, str) and isinstance(child, str) and nxt == child:
            nxt = node[part] = {nxt: {}}  # a bare component name gains parameters
        elif isinstance(nxt, dict) and len(nxt) == 1 and child in nxt and nxt[child] is None:
            nxt[child] = {}
        if nxt is None:
            if isinstance(part, int):
                return data, f"index {part} is past the end of the list at {dotted(path[:i])}"
            nxt = node[part] = [] if isinstance(child, int) else {}
        if not isinstance(nxt, dict | list) or isinstance(child, int) != isinstance(nxt, list):
            kind = "a list index" if isinstance(child, int) else "a key"
            return data, f"{dotted(path[: i + 1])} holds {nxt!r}, which {kind} cannot reach into"
        node = nxt
    last = path[-1]
    if isinstance(node, list) and not (isinstance(last, int) and -len(node) <= last < len(node)):
        return data, f"index {last} is past the end of the list ({len(node)} items)"
    node[last] = value
    return data, None


def _has(node, part) -> bool:
    if isinstance(node, list):
        return isinstance(part, int) and -len(node) <= part < len(node)
    return part in node
