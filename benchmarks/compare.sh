#!/bin/sh
# Every peer of the spiking engine in one run: this project's forward phase, batched PyTorch (CPU) and Brian2
# (Cython) on the same 784-100-10 network and window, interleaved (ours, PyTorch, Brian2, ours, ...) so that a
# machine that slows down mid-run slows every peer alike; prints the median of ROUNDS rounds and the ratios.
# Peers that are not installed are skipped with a note. Run from the package root on an idle machine:
#   sh benchmarks/compare.sh [DT] [ROUNDS]        (defaults: 0.5 ms, 3 rounds)
# Needs: swift build -c release; optional: pip install torch; pip install brian2 "numpy<2.4".
set -u
dt=${1:-0.5}
rounds=${2:-3}
here=$(dirname "$0")
bench=.build/release/benchmark
[ -x "$bench" ] || { echo "compare.sh: build first: swift build -c release" >&2; exit 1; }
peers="ours"
python3 -c "import torch" 2>/dev/null && peers="$peers torch" || echo "PyTorch not installed: pip install torch"
python3 -c "import brian2" 2>/dev/null && peers="$peers brian2" \
    || echo "Brian2 not installed: pip install brian2 \"numpy<2.4\""
samples() {  # one peer's forward samples/s
    case $1 in
    ours) "$bench" forward "$dt" | tail -n 1 ;;
    torch) python3 "$here/torch_forward.py" --dt "$dt" | tail -n 1 ;;
    brian2) python3 "$here/brian2_forward.py" --dt "$dt" --only | tail -n 1 ;;
    esac | awk '{print $1}'
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=1
while [ "$r" -le "$rounds" ]; do
    for p in $peers; do samples "$p" >> "$tmp/$p"; done
    r=$((r + 1))
done
median() { sort -g "$1" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ours=$(median "$tmp/ours")
echo "784-100-10 forward phase, dt = $dt ms, T = 200 ms after 50 ms settling; median of $rounds rounds"
for p in $peers; do
    m=$(median "$tmp/$p")
    printf '%-8s %10.1f samples/s   this project / %s = %.1fx\n' "$p" "$m" "$p" "$(awk -v a="$ours" -v b="$m" 'BEGIN {print a / b}')"
done
