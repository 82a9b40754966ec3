#!/usr/bin/env bash
# Compiles the CUDA kernels to PTX for the jar when nvcc is present (it is on the build machines).
# Writes fusion4j_kernels.ptx (the compiler's own PTX ISA) and fusion4j_kernels.compat.ptx (the same code
# declared as PTX ISA 7.8, which drivers from CUDA 11.8 on accept; the kernels use nothing newer).
# Without nvcc it says so and succeeds: the jar then carries the source for NVRTC at run time.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)/fusion4j_kernels.cu
out=${1:?output folder}
nvcc=${NVCC:-}
if [ -z "$nvcc" ]; then
  nvcc=$(command -v nvcc 2>/dev/null || true)
fi
if [ -z "$nvcc" ]; then
  for c in /usr/local/cuda/bin/nvcc /usr/local/cuda-*/bin/nvcc; do
    if [ -x "$c" ]; then nvcc=$c; fi
  done
fi
mkdir -p "$out"
if [ -z "$nvcc" ]; then
  echo "tensor-cuda: nvcc not found; the jar carries only the CUDA source, compiled by NVRTC at run time"
  rm -f "$out/fusion4j_kernels.ptx" "$out/fusion4j_kernels.compat.ptx"
  exit 0
fi
# compute_75: the PTX JIT-compiles for Turing and every newer GPU (H100/H200 are sm_90).
"$nvcc" -ptx -arch=compute_75 -O3 -o "$out/fusion4j_kernels.ptx" "$src"
sed -E 's/^\.version [0-9]+\.[0-9]+/.version 7.8/' "$out/fusion4j_kernels.ptx" > "$out/fusion4j_kernels.compat.ptx"
echo "tensor-cuda: compiled $(grep -c '^.visible .entry' "$out/fusion4j_kernels.ptx") kernels to PTX with $nvcc"
