#!/usr/bin/env bash
# On a GPU machine with no Java: run fusion4j from the dist bundle and PyTorch side by side.
#   (build machine)  ./build -Pdist package        -> dist/fusion4j (carried to the GPU machine)
#   (GPU machine)    bash bench/gpu.sh
set -uo pipefail
cd "$(dirname "$0")/.."
f4j=dist/fusion4j/bin/fusion4j
$f4j backends
$f4j bench gemm --backend cuda --threads 1 --forms NN,NT,TN
python3 bench/torch_cuda.py gemm
$f4j bench attention --backend cuda --threads 1
python3 bench/torch_cuda.py train
