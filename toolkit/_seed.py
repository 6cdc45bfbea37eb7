"""Seeds without global state.

Every random choice in toolkit is drawn from a generator derived from a user
seed and a few keys (the epoch, the sample's index, a file's relative path), so
the result does not depend on thread scheduling or on the number of workers.

>>> a = generator(1, "epoch", 3).integers(0, 1000, 3)
>>> b = generator(1, "epoch", 3).integers(0, 1000, 3)
>>> bool((a == b).all())
True
>>> 0.0 <= unit_hash(1, "cats/001.jpg") < 1.0
True
"""

from __future__ import annotations

import hashlib

import numpy as np

_MASK64 = (1 << 64) - 1


def _key_int(key) -> int:
    if isinstance(key, (int, np.integer)):
        return int(key) & _MASK64
    digest = hashlib.blake2b(str(key).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def seed_sequence(seed: int | None, *keys) -> np.random.SeedSequence:
    """A SeedSequence fixed by ``seed`` and ``keys`` (strings or ints)."""
    base = 0 if seed is None else int(seed)
    return np.random.SeedSequence([base & _MASK64, *(_key_int(k) for k in keys)])


def generator(seed: int | None, *keys) -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` derived from ``seed`` and ``keys``."""
    return np.random.default_rng(seed_sequence(seed, *keys))


def derive_int(seed: int | None, *keys) -> int:
    """A 32-bit integer seed derived from ``seed`` and ``keys`` (for libraries that want ints)."""
    return int(seed_sequence(seed, *keys).generate_state(1, np.uint32)[0])


def unit_hash(seed: int | None, key) -> float:
    """A number in [0, 1) fixed by ``seed`` and ``key`` alone: the basis of stable splits."""
    base = 0 if seed is None else int(seed)
    digest = hashlib.blake2b(f"{base}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2.0**64


def key_ints(keys) -> np.ndarray:
    """``key_ints(keys) -> uint64 (len(keys),)``: each key hashed once, as ``seed_sequence``
    hashes it."""
    return np.fromiter((_key_int(k) for k in keys), dtype=np.uint64, count=len(keys))


def item_seeds(seed: int | None, epoch: int, keys: np.ndarray) -> np.ndarray:
    """``item_seeds(seed, epoch, keys) -> uint32 array``: one seed per item, from hashed ``keys``.

    The loader's per-item seeds: the high half of a SplitMix64 finaliser of each
    key mixed with one base drawn from ``(seed, epoch)``, vectorised over a whole
    epoch (a SeedSequence per item, ``derive_int``, cost about 8 us, a twentieth of
    a small image's decode). 32 bits, as ``derive_int``, so that a transform may
    hand the seed to ``np.random.RandomState`` or ``random.seed``.

    >>> keys = key_ints(["a.jpg", "b.jpg"])
    >>> a, b = item_seeds(1, 0, keys), item_seeds(1, 0, keys)
    >>> bool((a == b).all()), bool(a[0] != a[1]), bool((a != item_seeds(1, 1, keys)).all())
    (True, True, True)
    """
    base = np.uint64(int(seed_sequence(seed, "toolkit.item_seeds", epoch).generate_state(
        1, np.uint64)[0]))
    z = keys ^ base
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return ((z ^ (z >> np.uint64(31))) >> np.uint64(32)).astype(np.uint32)
