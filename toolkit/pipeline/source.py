"""``read(text, file)``: YAML to plain values, with the line and column of every node.

Built on PyYAML's safe machinery (its scanner, parser and composer), but the
values are constructed here, so that:

- every node's position is kept: ``source.mark(("model", "chain", 2))`` -> ``Mark``;
- a key given twice is refused, naming both lines;
- a tag (``!!python/object``, ``!custom``, even ``!!str``) is refused: plain YAML only;
- an alias that expands past :data:`MAX_NODES` nodes (a "billion laughs" bomb, or an
  alias to itself) is refused before it allocates;
- a syntax error or a tab in the indentation is one problem with its line and column.

Problems are collected, not raised one by one: ``read`` raises one
:class:`~toolkit.errors.InvalidConfigError` that lists them all.

>>> src = read("seed: 1\\ntrain:\\n  epochs: 3\\n", "p.yaml")
>>> src.data, src.mark(("train", "epochs"))
({'seed': 1, 'train': {'epochs': 3}}, Mark(file='p.yaml', line=3, column=11))
>>> read("a: 1\\na: 2\\n", "p.yaml")
Traceback (most recent call last):
...
toolkit.errors.InvalidConfigError: p.yaml:2:1: a: duplicate key 'a' (first given on line 1);
remove one of them
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from toolkit.errors import InvalidConfigError, Problem
from toolkit.pipeline.fields import dotted

MAX_NODES = 100_000  # a pipeline is a few hundred nodes; more is an alias bomb
MAX_DEPTH = 64
_PLAIN = "tag:yaml.org,2002:"
_SCALARS = {f"{_PLAIN}{t}" for t in ("str", "int", "float", "bool", "null")}


@dataclass(frozen=True)
class Mark:
    """Mark(file, line, column) — where a node starts, counting lines and columns from 1
    (line 0: a value from the command line, ``file`` naming it)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file


@dataclass
class Source:
    """Source(data, file, marks, keys) — plain values and where each came from.

    ``marks[path]`` is the position of the value at ``path`` (a tuple of keys and list
    indices), ``keys[path]`` that of its key in the enclosing mapping.
    """

    data: object
    file: str
    marks: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)

    def mark(self, path: tuple, key: bool = False) -> Mark:
        """mark(path, key=False) -> the Mark of ``path``, or of its nearest ancestor."""
        path = tuple(path)
        while path:
            value, name = self.marks.get(path), self.keys.get(path)
            if name is not None and (key or value is None or value.line > name.line):
                return name  # a block under its key: the key's line says where it starts
            if value is not None:
                return value
            path = path[:-1]
        return self.marks.get((), Mark(self.file, 1, 1))


class _Loader(Reader, Scanner, Parser, Composer, Resolver):
    """PyYAML's safe reading stages; composing records explicit tags as problems."""

    def __init__(self, text: str, file: str):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        Resolver.__init__(self)
        self.file, self.tagged = file, {}

    def compose_node(self, parent, index):
        event = self.peek_event()
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):  # written explicitly: "!" alone is YAML's "no tag"
            self.tagged[(event.start_mark.line, event.start_mark.column)] = tag
        return super().compose_node(parent, index)


def _mark(file: str, mark) -> Mark:
    return Mark(file, mark.line + 1, mark.column + 1)


def read(text: str, file: str = "<string>") -> Source:
    """read(text, file="<string>") -> Source; raises InvalidConfigError listing every problem."""
    loader = None
    try:
        loader = _Loader(text, file)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        raise InvalidConfigError([_syntax(text, file, err)]) from None
    except yaml.YAMLError as err:  # errors without a position (a bad character set)
        raise InvalidConfigError([Problem("(yaml)", str(err), mark=Mark(file, 1, 1))]) from None
    except RecursionError:
        msg = "the YAML nests too deeply to be a pipeline"
        raise InvalidConfigError([Problem("(yaml)", msg, mark=Mark(file, 1, 1))]) from None
    finally:
        if loader is not None:
            loader.dispose()
    builder = _Builder(file, loader.tagged)
    data = {} if node is None else builder.value(node, ())
    if builder.problems:
        raise InvalidConfigError(builder.problems)
    return Source(data, file, builder.marks, builder.keys)


def _syntax(text: str, file: str, err: yaml.MarkedYAMLError) -> Problem:
    where = err.problem_mark or err.context_mark
    mark = Mark(file, 1, 1) if where is None else _mark(file, where)
    lines = text.splitlines()
    line = lines[mark.line - 1] if 0 < mark.line <= len(lines) else ""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" in indent or "'\\t'" in str(err.problem):
        col = indent.index("\t") + 1 if "\t" in indent else mark.column
        return Problem("(yaml)", "a tab character: YAML indents with spaces only",
                       mark=Mark(file, mark.line, col), fix="replace the tab with spaces")
    what = " ".join(p for p in (err.context, err.problem) if p)
    return Problem("(yaml)", f"YAML syntax error: {what}", mark=mark,
                   fix="check the indentation and the brackets and quotes on this line or "
                       "the one before")


class _TooLarge(Exception):
    pass


class _Builder:
    """Plain values from composed nodes, counting every node an alias expands to."""

    def __init__(self, file: str, tagged: dict):
        self.file, self.tagged, self.problems = file, tagged, []
        self.marks, self.keys, self.count = {}, {}, 0
        self.scalars = SafeConstructor()

    def value(self, node, path: tuple):
        try:
            return self._value(node, path, 0)
        except _TooLarge:
            msg = (f"the YAML expands to more than {MAX_NODES} values through aliases "
                   "(an alias bomb, or an alias inside itself)")
            self.problems.append(Problem("(yaml)", msg, mark=_mark(self.file, node.start_mark),
                                         fix="write the values out instead of aliasing them"))
            return None

    def _value(self, node, path: tuple, depth: int):
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            raise _TooLarge
        self.marks.setdefault(path, _mark(self.file, node.start_mark))
        tag = self.tagged.pop((node.start_mark.line, node.start_mark.column), None)
        if tag is not None:
            self._refuse_tag(tag, node, path)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self._value(n, (*path, i), depth + 1) for i, n in enumerate(node.value)]
        return self._scalar(node)

    def _refuse_tag(self, tag: str, node, path: tuple) -> None:
        shown = "!!" + tag[len(_PLAIN):] if tag.startswith(_PLAIN) else tag
        msg = (f"the YAML tag {shown!r} is refused: a pipeline is plain YAML (mappings, "
               "lists, strings, numbers, booleans, null)")
        self.problems.append(Problem(dotted(path), msg, fix="remove the tag",
                                     mark=_mark(self.file, node.start_mark)))

    def _scalar(self, node):
        if node.tag not in _SCALARS:  # timestamps, explicit tags: kept as the text written
            return node.value
        return self.scalars.yaml_constructors[node.tag](self.scalars, node)

    def _mapping(self, node, path: tuple, depth: int) -> dict:
        out, first = {}, {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key is None:
                continue
            here = (*path, key)
            mark = _mark(self.file, key_node.start_mark)
            if key in first:
                self.problems.append(Problem(
                    dotted(here), f"duplicate key {key!r} (first given on line {first[key].line})",
                    mark=mark, fix="remove one of them"))
                continue
            first[key] = mark
            self.keys[here] = mark
            out[key] = self._value(value_node, here, depth + 1)
        return out

    def _key(self, node, path: tuple):
        mark = _mark(self.file, node.start_mark)
        if isinstance(node, yaml.ScalarNode) and node.tag == f"{_PLAIN}merge":
            self.problems.append(Problem(dotted(path), "merge keys (<<) are refused",
                                         mark=mark, fix="write the keys out"))
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.problems.append(Problem(dotted(path), "a key must be a plain word",
                                         mark=mark, fix="write the key as a name"))
            return None
        value = self._scalar(node)
        return value if isinstance(value, str) else str(node.value)


def dump(config: dict) -> str:
    """dump(config) -> YAML text: sections in order, short lists of values on one line.

    >>> print(dump({"seed": 1, "data": {"image_size": [16, 16]}}), end="")
    seed: 1
    data:
      image_size: [16, 16]
    """
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=None, allow_unicode=True,
                          width=100)
