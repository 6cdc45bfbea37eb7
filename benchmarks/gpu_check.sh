#!/usr/bin/env bash
# The whole GPU check in one call on a lent device machine: the gpu-marked tests, then
# benchmarks/bench_gpu.py. Logs go to $OUT (the device tool's return folder), else ./gpu-logs.
#
# The device image has numpy, cupy, torch, opencv, pyarrow, scipy and scikit-learn but not
# albumentations (and its needs); fetch those wheels beforehand on the development machine
# into .whl/ (git-ignored) and name .whl in the call's `carry` (see benchmarks/README.md).
# Warnings are shown, not raised: a first run must report results, not stop at a cupy
# deprecation notice (CI keeps warnings as errors).
set -uo pipefail
out="${OUT:-gpu-logs}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD"
py="${PYTHON:-python3}"
if compgen -G ".whl/*.whl" >/dev/null; then
    "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH="/tmp/site:$PWD"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$out/gpu.txt"
"$py" -c "import cupy, numpy, torch; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'torch', torch.__version__)" 2>&1 | tee -a "$out/gpu.txt"
timeout "${TESTS_S:-300}" "$py" -m pytest -q -m gpu -W default -p no:cacheprovider \
    tests/nn/test_device.py tests/augment/test_batch.py 2>&1 | tee "$out/tests.log"
timeout "${BENCH_S:-240}" "$py" benchmarks/bench_gpu.py 2>&1 | tee "$out/bench.log"
