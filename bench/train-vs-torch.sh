#!/usr/bin/env bash
# A training step against PyTorch's, side by side: PyTorch, then fusion4j, repeated, so each pair shares a
# minute of this noisy machine. Prints every pair's tokens/s and ratio, then the median ratio.
# Usage: bash bench/train-vs-torch.sh [pairs=3] [threads=2] [config=dense] [precision=fp32]
#   config: dense, moe_ec, moma, mod or transfusion (the same model on both sides: ../shared/bench/torch_train.py's)
#   precision: fp32, or bf16 (PyTorch under bf16 autocast, fusion4j with --precision bf16: the onednn backend)
set -uo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
threads=${2:-2}
config=${3:-dense}
precision=${4:-fp32}
case "$config" in dense|moe_ec|moma|mod|transfusion) ;; *) echo "train-vs-torch: config must be dense, moe_ec, moma, mod or transfusion, found '$config'." >&2; exit 2 ;; esac
case "$precision" in fp32) autocast= ;; bf16) autocast=bf16 ;; *) echo "train-vs-torch: precision must be fp32 or bf16, found '$precision'." >&2; exit 2 ;; esac
torch=../shared/bench/run.sh
if [ ! -f "$torch" ]; then
  echo "train-vs-torch: $torch not found; the shared folder must sit beside the project root." >&2
  exit 2
fi
ratios=()
for i in $(seq "$pairs"); do
  t=$(bash "$torch" train "$config" "$threads" $autocast 2>&1 | grep -o 'tokens/s=[0-9]*' | tail -1 | cut -d= -f2)
  f=$(./fusion4j bench train --config "$config" --threads "$threads" --precision "$precision" 2>/dev/null | grep -o '[0-9.]* tokens/s' | head -1 | cut -d' ' -f1)
  if [ -z "$t" ] || [ -z "$f" ]; then
    echo "train-vs-torch: pair $i gave no figure (PyTorch: '${t}', fusion4j: '${f}')." >&2
    exit 1
  fi
  r=$(awk -v f="$f" -v t="$t" 'BEGIN { printf "%.2f", f / t }')
  ratios+=("$r")
  printf 'pair %d  PyTorch %6d tokens/s  fusion4j %8.1f tokens/s  ratio %s\n' "$i" "$t" "$f" "$r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "median ratio %.2f over %d pairs (%s, threads %s, %s)\n", m, NR, "'"$config"'", "'"$threads"'", "'"$precision"'" }'
