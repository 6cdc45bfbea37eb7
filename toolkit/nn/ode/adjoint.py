"""The adjoint method: gradients of an ODE solve from a second solve, backwards in time.

``sensealg="adjoint"`` makes the whole solve one primitive of the tape. Its forward pass
solves on plain arrays and keeps only the saved states; its VJP integrates, from the
last saved time back to ``t0``, the augmented system (Chen et al. 2018, as torchdiffeq's
``odeint_adjoint``)::

    du/dt = f(u, t),   da/dt = -aᵀ ∂f/∂u,   dg/dt = -aᵀ ∂f/∂θ

adding the output's cotangent to ``a`` at each ``saveat`` time on the way. ``u`` is
recomputed backwards rather than stored, so memory does not grow with the number of
steps. The parameters ``θ`` are the float arrays of ``f`` when ``f`` is a model (a
Module); arrays a plain function closes over get no gradient this way — put them in a
Module, or use ``sensealg="backprop"``.

>>> import numpy as np
>>> from toolkit.nn.autodiff import gradient
>>> g = gradient(lambda u: adjoint_solve(lambda u, t: -u, u, (0.0, 1.0), {}).sum(), np.ones(2))
>>> bool(np.allclose(g[0], np.exp(-1.0), rtol=1e-5))
True
"""

from __future__ import annotations

from toolkit.nn.autodiff import withgradient
from toolkit.nn.device import array_module
from toolkit.nn.module import Module
from toolkit.nn.ode import rk as S
from toolkit.nn.tape import Tracked, apply, plain, register
from toolkit.nn.tree import tree_flatten, tree_leaves, tree_unflatten


def _model(f, plan, params):
    """``f`` itself, or for a model a plain copy holding ``params`` at the traced leaves."""
    if plan is None:
        return f
    treedef, leaves, slots = plan
    leaves = list(leaves)
    for i, p in zip(slots, params, strict=True):
        leaves[i] = p
    return tree_unflatten(treedef, leaves)


def _forward(u0, *params, f, plan, tspan, options):
    model = _model(f, plan, params)
    sol = S.solve(model, u0, tspan, **options)
    return sol.u, (model, sol.t)


def _dot(y, a):
    return (y * a).sum(), y


def _vjp_f(model, slots, u, t, a):
    """(f(u, t), aᵀ∂f/∂u, [aᵀ∂f/∂θ for the traced leaves]) on plain values, in one traced call."""
    if slots is None:
        value, (du,) = withgradient(lambda v: _dot(S.rhs(model)(v, t), a), u)
        return value[1], du, []
    value, (gm, du) = withgradient(lambda m, v: _dot(S.rhs(m)(v, t), a), model, u)
    flat = tree_leaves(gm)
    return value[1], du, [flat[i] for i in slots]


def _augmented(model, slots, shapes, xp):
    """The right-hand side of the augmented system on one flat vector [u, a, g_θ...]."""
    ushape, n = shapes[0]

    def g(z, t):
        u, a = z[:n].reshape(ushape), z[n:2 * n].reshape(ushape)
        fu, du, dps = _vjp_f(model, slots, u, t, a)
        parts = [xp.asarray(fu).ravel(), -_dense(du, ushape, z.dtype, xp).ravel()]
        parts += [-_dense(d, shape, z.dtype, xp).ravel() for d, (shape, _) in zip(dps, shapes[1:],
                                                                                  strict=True)]
        return xp.concatenate(parts).astype(z.dtype, copy=False)

    return g


def _dense(grad, shape, dtype, xp):
    """A gradient as an array (None — f does not depend on it — as zeros)."""
    return xp.zeros(shape, dtype) if grad is None else xp.asarray(grad)


def _vjp(node, g):
    model, saved_t = node.res
    kw, (u0, *params) = node.kw, node.xs
    options, t0 = kw["options"], float(kw["tspan"][0])
    xp = array_module(u0)
    every = options.get("saveat") is not None
    us, gs = (node.out.data, g) if every else (node.out.data[None], g[None])
    slots = None if kw["plan"] is None else kw["plan"][2]
    shapes = [(u0.shape, u0.size)] + [(p.shape, p.size) for p in params]
    rhs = _augmented(model, slots, shapes, xp)
    step = {k: v for k, v in options.items() if k != "saveat"}
    a, gp = xp.asarray(gs[-1], dtype=u0.dtype), [xp.zeros(p.shape, p.dtype) for p in params]
    u = xp.asarray(us[-1])
    for i in range(len(saved_t) - 1, -1, -1):
        end = float(saved_t[i - 1]) if i > 0 else t0
        if end != float(saved_t[i]):
            z = xp.concatenate([u.ravel(), a.ravel(), *(p.ravel() for p in gp)])
            z = S.solve(rhs, z, (float(saved_t[i]), end), **step).u
            u, a, gp = _unpack(z, shapes)
        if i > 0:
            a = a + gs[i - 1]
    return (a if node.needs(0) else None,
            *(gp[j] if node.needs(j + 1) else None for j in range(len(params))))


def _unpack(z, shapes):
    out, at = [], 0
    for shape, size in [shapes[0], *shapes]:
        out.append(z[at:at + size].reshape(shape))
        at += size
    return out[0], out[1], out[2:]


ODE_ADJOINT = register("ode_adjoint", _forward, _vjp, residual=True)


def adjoint_solve(f, u0, tspan, options: dict):
    """adjoint_solve(f, u0, tspan, options) -> the solve's states, differentiated by the adjoint.

    ``options`` are :func:`toolkit.nn.ode.rk.solve`'s keywords (solver, saveat, rtol,
    atol, max_steps, dt). Gradients reach ``u0`` and, when ``f`` is a model, its traced
    arrays.
    """
    options = {"saveat": None, **options}
    if not isinstance(f, Module):
        return apply(ODE_ADJOINT, u0, f=f, plan=None, tspan=tspan, options=options)
    leaves, treedef = tree_flatten(f)
    slots = [i for i, leaf in enumerate(leaves) if type(leaf) is Tracked]
    plan = (treedef, [plain(leaf) for leaf in leaves], slots)
    params = [leaves[i] for i in slots]
    return apply(ODE_ADJOINT, u0, *params, f=f, plan=plan, tspan=tspan, options=options)
