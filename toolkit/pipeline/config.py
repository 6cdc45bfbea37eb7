"""``tk.Pipeline``: one pipeline definition, from a YAML file or a dict, checked all at once.

>>> import toolkit as tk
>>> p = tk.Pipeline({"data": {"table": "datasets/wine.csv", "target": "cultivar"},
...                  "model": {"pipeline": ["Standardizer", "LogisticRegression"]}})
>>> p.kind, p.config["evaluate"]["resampling"] is None
('classical', True)
>>> tk.Pipeline({"data": {"table": "datasets/wine.csv", "target": "cultivar"},
...              "model": "LogisticRegresion"}).validate()
Traceback (most recent call last):
...
toolkit.errors.InvalidConfigError: model: unknown model 'LogisticRegresion'...
"""

from __future__ import annotations

from pathlib import Path

from toolkit.errors import InvalidConfigError, Problem
from toolkit.pipeline import preflight, spec
from toolkit.pipeline.fields import parse
from toolkit.pipeline.overrides import apply
from toolkit.pipeline.source import Source, dump, read


class Pipeline:
    """Pipeline(config, *, base=None, overrides=()) — a pipeline from a dict (or a file's
    Source); ``Pipeline.from_yaml(path)`` reads one from a file.

    Relative paths in the config are taken from ``base`` (the YAML file's folder for
    :meth:`from_yaml`, else the working directory). ``overrides`` are ``key.path=value``
    strings, checked like the file.
    """

    def __init__(self, config=None, *, base=None, overrides=()):
        source = config if isinstance(config, Source) else Source(config or {}, "<dict>")
        self.source = apply(source, overrides) if overrides else source
        self.base = Path(base) if base is not None else Path.cwd()

    @classmethod
    def from_yaml(cls, path, overrides=()) -> Pipeline:
        """from_yaml(path, overrides=()) -> Pipeline; a YAML problem raises InvalidConfigError."""
        path = Path(path)
        if not path.is_file():
            problem = Problem(str(path), "no such pipeline file" if not path.exists()
                              else "is a folder, not a YAML file")
            raise InvalidConfigError([problem])
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise InvalidConfigError([Problem(str(path), f"not UTF-8 text: {err}")]) from None
        return cls(read(text, str(path)), base=path.resolve().parent, overrides=overrides)

    @property
    def data(self) -> dict:
        """The config as written (no defaults added)."""
        return self.source.data

    @property
    def kind(self) -> str:
        """'network' (model: {chain: [...]}) or 'classical'."""
        return spec.kind_of(self.data)

    @property
    def name(self) -> str:
        """The pipeline file's name without its suffix ('pipeline' for a dict)."""
        file = self.source.file
        return Path(file).stem if file != "<dict>" else "pipeline"

    @property
    def config(self) -> dict:
        """The config with every default written out (structure checked first)."""
        self._raise(spec.check(self.data))
        return spec.filled(self.data)

    def problems(self, *, data: bool = True, dry_run: bool = True) -> list[Problem]:
        """problems(*, data=True, dry_run=True) -> every problem, located, in file order.

        The structure is checked first; the data is opened if its section is sound;
        two items go through the model only if nothing else is wrong.
        """
        found = spec.check(self.data)
        if data and isinstance(self.data, dict) and not any(
                p.where.startswith(("data", "(")) for p in found):
            cfg = spec.filled(self.data)
            model_wrong = any(p.where.startswith("model") for p in found)
            found += [p for p in preflight.data_problems(cfg, self.base)
                      if not (model_wrong and p.where == "model")]
            if dry_run and not found:
                found += preflight.dry_run(cfg, self.base)
        return self._located(found)

    def validate(self, *, data: bool = True, dry_run: bool = True) -> Pipeline:
        """validate(*, data=True, dry_run=True) -> self; raises InvalidConfigError listing all."""
        self._raise(self.problems(data=data, dry_run=dry_run))
        return self

    def _raise(self, problems) -> None:
        if problems:
            raise InvalidConfigError(self._located(problems))

    def _located(self, problems) -> list[Problem]:
        for p in problems:
            if p.mark is None and self.source.marks:
                path = p.path if p.path is not None else parse(p.where)
                p.mark = self.source.mark(path, key=p.problem == "unknown key")
        order = {id(p): i for i, p in enumerate(problems)}
        return sorted(problems, key=lambda p: (_line(p), order[id(p)]))

    def to_yaml(self) -> str:
        """to_yaml() -> the config as YAML, every default written out (reads back equal)."""
        return dump(self.config)

    def run(self, out=None, *, resume: bool = False, force: bool = False, progress=None,
            log=None):
        """run(out=None, *, resume=False, force=False, progress=None, log=print) -> the Run.

        ``out`` is the run folder (default: the config's ``out``, else
        ``runs/<name>``). ``resume=True`` continues a stopped run in it; ``force=True``
        replaces an earlier run there. ``log`` receives each progress line.
        """
        from toolkit.pipeline.run import run

        return run(self, out, resume=resume, force=force, progress=progress, log=log)

    def __repr__(self) -> str:
        return f"Pipeline({self.source.file!r}, {self.kind})"


def _line(problem: Problem) -> tuple:
    mark = problem.mark
    return (0, mark.file, mark.line, mark.column) if mark is not None else (1, "", 0, 0)

