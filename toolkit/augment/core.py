"""Transform and Pipeline: named image transforms over albumentations, composed with ``|``.

Every transform and pipeline has ``apply(image, seed) -> image``: deterministic in
``seed`` and safe to call from several threads at once. albumentations transforms
keep random state between sampling and applying, so each thread gets its own
albumentations ``Compose`` (built lazily from the spec), reseeded on every call.

>>> import numpy as np
>>> from toolkit.augment import HorizontalFlip, Rotate
>>> aug = HorizontalFlip(p=0.5) | Rotate(limit=20)
>>> aug
HorizontalFlip(p=0.5) | Rotate(limit=20, p=0.5)
>>> image = np.arange(32 * 32 * 3, dtype=np.uint8).reshape(32, 32, 3)
>>> bool((aug.apply(image, seed=7) == aug.apply(image, seed=7)).all())
True
>>> aug.to_dict()
[{'HorizontalFlip': {'p': 0.5}}, {'Rotate': {'limit': 20, 'p': 0.5}}]
"""

from __future__ import annotations

import functools
import inspect
import numbers
import random
import threading

import numpy as np

from toolkit.errors import ShapeError, TransformError
from toolkit.registry import unknown_keyword

_EMPTY = inspect.Parameter.empty


@functools.cache
def signature(cls) -> dict[str, inspect.Parameter]:
    """signature(cls) -> the keyword parameters of ``cls.__init__`` by name."""
    params = inspect.signature(cls.__init__).parameters
    return {k: v for k, v in params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY}


def _check_keywords(cls, args: tuple, kwargs: dict) -> None:
    name, params = cls.__name__, signature(cls)
    if args:
        msg = f"{name} takes keyword arguments only, e.g. {name}({next(iter(params), 'p')}=...)"
        raise TransformError(msg)
    for key in kwargs:
        if key not in params:
            raise unknown_keyword(key, params, name)
    missing = [k for k, v in params.items() if v.default is _EMPTY and k not in kwargs]
    if missing:
        raise TransformError(f"{name}: missing required parameter(s) {', '.join(missing)}")


def _plain(value):
    """Tuples to lists, recursively: the form YAML and JSON write."""
    return [_plain(v) for v in value] if isinstance(value, tuple) else value


def _check_image(owner: str, image) -> None:
    if not isinstance(image, np.ndarray):
        msg = f"{owner}: expected a numpy array image (H, W, C), got {type(image).__name__}"
        raise TransformError(msg)
    if image.ndim not in (2, 3) or 0 in image.shape:
        msg = f"{owner}: expected an image of shape (H, W, C) or (H, W), got {image.shape}"
        raise ShapeError(msg)
    if image.dtype not in (np.uint8, np.float32):
        msg = (f"{owner}: expected a uint8 or float32 image, got {image.dtype}; "
               "convert it first, e.g. image.astype(np.float32)")
        raise TransformError(msg)


_MASK64 = 0xFFFF_FFFF_FFFF_FFFF


def python_random(seed: int) -> random.Random:
    """python_random(seed) -> the random.Random that draws the albumentations choices
    (whether each step acts); distinct for every 64-bit seed, negative ones included."""
    return random.Random(int(seed) & _MASK64)


def numpy_random(seed: int) -> np.random.Generator:
    """numpy_random(seed) -> the generator that draws the albumentations parameters.
    The seed is already a per-sample derived one (the loader's ``derive_int``)."""
    return np.random.default_rng(int(seed) & _MASK64)


def _check_seed(owner: str, seed) -> int:
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
        raise TransformError(f"{owner}: seed must be an integer, got {seed!r}")
    return int(seed)


class _Runner:
    """Runs ``steps`` exactly as an albumentations ``Compose`` of them would, reseeded per
    call: one random stream shared by all steps, so two equal steps draw different
    values. Steps with a native ``_fast`` kernel (flips, Rotate) skip albumentations'
    per-call overhead but draw and compute as it does; the others run as
    albumentations transforms, one set per thread (they keep state between drawing
    and applying)."""

    def __init__(self, steps: tuple, label: str):
        self._steps = steps
        self._label = label  # names the transform or pipeline in error messages
        self._local = threading.local()

    def __getstate__(self) -> dict:  # pickles (Ray, process workers): the built sets are rebuilt
        return {"_steps": self._steps, "_label": self._label}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _albumentations(self) -> list:
        built = getattr(self._local, "built", None)
        if built is None:
            built = [None if step._fast else step._build() for step in self._steps]
            self._local.built = built
        return built

    def _run(self, image: np.ndarray, seed: int) -> np.ndarray:
        draws, numbers = python_random(seed), None
        draws.random()  # the draw a Compose makes first: results stay equal to a Compose's
        for step, built in zip(self._steps, self._albumentations(), strict=True):
            if built is None:
                image = step._fast(image, draws)
                continue
            if numbers is None:
                numbers = numpy_random(seed)
            built.set_random_state(numbers, draws)
            image = built(image=image)["image"]
        return image

    def __call__(self, image: np.ndarray, seed) -> np.ndarray:
        owner = self._label
        seed = _check_seed(owner, seed)
        _check_image(owner, image)
        for step in self._steps:
            step._check(image.shape)
        try:
            out = self._run(image, seed)
        except Exception as err:  # e.g. a crop larger than the image: name the pipeline
            msg = f"{owner}: cannot transform an image of shape {image.shape}: {err}"
            raise TransformError(msg) from err
        return out[..., None] if image.ndim == 3 and out.ndim == 2 else out


class _Step:
    """What Transform and Pipeline share: calling, ``|``, YAML text and immutability.

    A subclass provides ``apply(image, seed)`` and ``to_dict()``.
    """

    def to_yaml(self) -> str:
        """to_yaml() -> the YAML text of ``to_dict()``."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def __call__(self, image: np.ndarray, seed: int) -> np.ndarray:
        """step(image, seed) is step.apply(image, seed)."""
        return self.apply(image, seed)

    def _repr_html_(self) -> str:
        from toolkit.augment.reprs import transform_html  # a test pattern before and after

        return transform_html(self)

    def __or__(self, other):
        if isinstance(other, _Step):
            return Pipeline([self, other])
        return NotImplemented

    def __copy__(self):
        return self  # immutable: parameters are numbers, strings and tuples, steps likewise

    def __deepcopy__(self, memo):
        return self


class Transform(_Step):
    """Transform(**params) — the base of every named transform (not used directly).

    A subclass declares its parameters as keyword-only arguments of ``__init__``,
    validates them, passes them to ``super().__init__`` and implements ``_build()``
    (the albumentations transform). The base class refuses unknown keywords with
    the valid ones listed, serializes (``to_dict``), compares (``==``), composes
    (``|``) and applies (``apply(image, seed)``).

    >>> from toolkit.augment import VerticalFlip
    >>> VerticalFlip(p=1.0) == VerticalFlip(p=1.0), VerticalFlip(p=1.0).params
    (True, {'p': 1.0})
    """

    def __new__(cls, *args, **kwargs):
        _check_keywords(cls, args, kwargs)
        return super().__new__(cls)

    def __init__(self, **params):
        self._params = params
        self._runner = _Runner((self,), type(self).__name__)
        try:  # albumentations checks what we do not: fail here, not in a loader thread
            self._build()
        except (ValueError, TypeError) as err:
            raise TransformError(f"{self.name}: albumentations refused {self!r}: {err}") from err

    @property
    def name(self) -> str:
        """The registered name (the class name)."""
        return type(self).__name__

    @property
    def params(self) -> dict:
        """All parameters, defaults included, as stored."""
        return dict(self._params)

    def _shown(self) -> dict:
        """The parameters worth writing: required, changed from the default, and ``p``."""
        sig = signature(type(self))
        return {k: v for k, v in self._params.items()
                if k == "p" or sig[k].default is _EMPTY or v != sig[k].default}

    def _build(self):
        raise NotImplementedError(f"{self.name} does not define _build()")

    _per_channel: tuple[str, ...] = ("fill",)  # parameters that may hold one value per channel
    # A native kernel ``_fast(image, draws) -> image`` that draws from ``draws`` (a
    # random.Random) and computes exactly what the albumentations transform would.
    _fast = None

    def _check(self, shape: tuple) -> None:
        """Refuse an input image shape this transform cannot handle: by default, one whose
        channel count does not match a per-channel parameter (albumentations would
        silently drop or pad the values)."""
        channels = shape[2] if len(shape) == 3 else 1
        for name in self._per_channel:
            value = self._params.get(name)
            if isinstance(value, tuple) and len(value) not in (1, channels):
                msg = (f"{self.name}: {name} has {len(value)} values but the image has "
                       f"{channels} channel(s); give one per channel, or a single number")
                raise ShapeError(msg)

    def to_dict(self) -> dict:
        """to_dict() -> {name: {param: value}}: plain values, ready for YAML or JSON."""
        return {self.name: {k: _plain(v) for k, v in self._shown().items()}}

    def config(self) -> dict:
        """config() -> every keyword, defaults included (what the registry writes out)."""
        return self.params

    def apply(self, image: np.ndarray, seed: int) -> np.ndarray:
        """apply(image, seed) -> the transformed image; the same seed gives the same output.

        ``image``: uint8 or float32, (H, W, C) or (H, W); the shape's rank and channel
        count are kept. The result may be ``image`` itself when nothing acted: copy it
        before writing into it.
        """
        return self._runner(image, seed)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self._params == other._params

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self._params.items()))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._shown().items())
        return f"{self.name}({args})"


class Pipeline(_Step):
    """Pipeline(transforms=()) — transforms applied in order; ``a | b`` builds one.

    Nested pipelines are flattened. Supports ``len``, iteration, indexing (a slice
    gives a Pipeline), ``==``, ``to_dict()`` (a list) and ``apply(image, seed)``.

    >>> from toolkit.augment import HorizontalFlip, VerticalFlip, Blur
    >>> p = HorizontalFlip() | (VerticalFlip() | Blur())
    >>> len(p), p[0], p[1:]
    (3, HorizontalFlip(p=0.5), VerticalFlip(p=0.5) | Blur(p=0.5))
    """

    def __init__(self, transforms=()):
        if isinstance(transforms, (Transform, Pipeline)):
            transforms = [transforms]
        steps = []
        for t in transforms:
            if isinstance(t, Pipeline):
                steps.extend(t)
            elif isinstance(t, Transform):
                steps.append(t)
            else:
                raise TransformError(f"Pipeline: expected transforms, got {t!r}")
        self._steps = tuple(steps)
        self._runner = _Runner(self._steps, repr(self))

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self):
        return iter(self._steps)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Pipeline(self._steps[index])
        return self._steps[index]

    def to_dict(self) -> list:
        """to_dict() -> [{name: {param: value}}, ...]: plain values, ready for YAML or JSON."""
        return [t.to_dict() for t in self._steps]

    def apply(self, image: np.ndarray, seed: int) -> np.ndarray:
        """apply(image, seed) -> the image after every transform in order."""
        return self._runner(image, seed)

    def __eq__(self, other) -> bool:
        return isinstance(other, Pipeline) and self._steps == other._steps

    def __hash__(self) -> int:
        return hash(self._steps)

    def __repr__(self) -> str:
        return " | ".join(map(repr, self._steps)) if self._steps else "Pipeline([])"
