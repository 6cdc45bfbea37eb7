"""Seeds without global state: every stream is fixed by a seed and keys, nothing else."""

import hashlib

import numpy as np

from toolkit._seed import derive_int, generator, seed_sequence, unit_hash


def test_a_seed_and_keys_fix_the_stream_and_any_change_moves_it():
    def draw(*args):
        return generator(*args).integers(0, 2**31, 8).tolist()

    assert draw(7, "epoch", 2) == draw(7, "epoch", 2)
    assert len({tuple(draw(*a)) for a in [(7, "epoch", 2), (7, "epoch", 3), (8, "epoch", 2),
                                          (7, "other", 2), (7,)]}) == 5


def test_integer_keys_and_numpy_integers_agree_and_differ_from_their_text():
    assert seed_sequence(1, 5).entropy == seed_sequence(1, np.int64(5)).entropy
    assert derive_int(1, 5) == derive_int(1, np.uint8(5)) != derive_int(1, "5")


def test_global_numpy_state_is_neither_read_nor_changed():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    a = generator(3, "x").random(4)
    np.random.seed(123)  # another global seed changes nothing here
    assert np.array_equal(a, generator(3, "x").random(4))
    np.random.seed(0)
    assert np.array_equal(np.random.get_state()[1], before)


def test_derive_int_is_a_32_bit_seed():
    values = {derive_int(None, i) for i in range(200)}
    assert len(values) == 200 and all(0 <= v < 2**32 for v in values)


def test_unit_hash_is_blake2b_of_seed_and_key_in_the_unit_interval():
    digest = hashlib.blake2b(b"4\x00cats/1.jpg", digest_size=8).digest()
    assert unit_hash(4, "cats/1.jpg") == int.from_bytes(digest, "little") / 2.0**64
    values = np.array([unit_hash(0, f"f{i}") for i in range(2000)])
    assert values.min() >= 0 and values.max() < 1 and abs(values.mean() - 0.5) < 0.03
    assert unit_hash(None, "k") == unit_hash(0, "k")
