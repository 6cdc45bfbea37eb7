"""Shape primitives: VJPs against finite differences; Tracked's indexing and shape methods."""

from __future__ import annotations

import numpy as np

import toolkit as tk
from toolkit.nn.primitives import shapes as S

from .gradcheck import Cases, family_checks, u

C = Cases()
C.add("reshape", lambda x: x.reshape(3, 4), u(2, 6))
C.add("transpose", lambda x: S.transpose(x, (1, 2, 0)), u(2, 3, 4))
C.add("transpose", lambda x: x.T, u(2, 3))
C.add("getitem", lambda x: x[1:, ::2], u(3, 4))
C.add("getitem", lambda x: x[np.array([0, 2, 0])], u(3, 4))
C.add("getitem", lambda x: x[np.array([True, False, True])], u(3, 4))
C.add("getitem", lambda x: x[:, 1], u(3, 4))
C.add("concatenate", lambda a, b, c: S.concatenate([a, b, c], axis=1), u(2, 1), u(2, 3), u(2, 2))
C.add("stack", lambda a, b: S.stack([a, b], axis=-1), u(2, 3), u(2, 3))


test_cases_cover_the_family, test_vjp_matches_finite_differences = family_checks(C, S)


def test_repeated_advanced_indices_add_their_gradients():
    (g,) = tk.gradient(lambda x: tk.sum(x[np.array([0, 0, 2])]), np.zeros(3))
    assert g.tolist() == [2.0, 0.0, 1.0]


def test_tracked_shape_methods_and_numpy_functions():
    def f(x):
        assert np.shape(x) == (6,) and np.ndim(x) == 1 and np.size(x) == 6
        y = x.reshape(3, 2).T[:, 1:] @ np.ones((2, 1))
        z = np.concatenate([np.reshape(x, (2, 3)), np.stack([x[:3], x[3:]])], axis=0)
        return y.sum() + np.transpose(z).sum() + x.transpose().sum()

    (g,) = tk.gradient(f, np.arange(6.0))
    assert g.shape == (6,) and np.isfinite(g).all()
