"""The primitives the tape knows, one family a file: forward, VJP and public function together.

* :mod:`~toolkit.nn.primitives.elementwise` — arithmetic, exp/log/sqrt/abs, activations,
  where, clip, comparisons, dropout
* :mod:`~toolkit.nn.primitives.reductions` — sum, mean, max, min, logsumexp, softmax,
  logsoftmax, argmax/argmin
* :mod:`~toolkit.nn.primitives.shapes` — reshape, transpose, indexing, concatenate, stack
* :mod:`~toolkit.nn.primitives.dense` — matmul and the fused dense layer
* :mod:`~toolkit.nn.primitives.normalise` — batchnorm and layernorm
* :mod:`~toolkit.nn.primitives.conv` — conv2d (im2col) and the 2-d pools, channels-last
* :mod:`~toolkit.nn.primitives.crossentropy` — the fused logit cross-entropy

Beside them, :mod:`toolkit.nn.ode.adjoint` registers the adjoint ODE solve: one primitive
whose VJP is a second solve, kept with the solvers it runs.

Each file registers its primitives with :func:`toolkit.nn.tape.register` when imported;
:mod:`toolkit.nn.ops` imports them all and re-exports their public functions. The fused
ones (dense, conv2d, logitcrossentropy, the norms and pools) each keep a plain
``*_reference`` composition of the small primitives beside them, which the tests
compare them with, values and gradients.
"""
