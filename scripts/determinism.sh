#!/usr/bin/env bash
# Builds the index of a tier of ../shared/bench four times (--jobs 2, 2, 2, 1) at a small
# RAM budget, so that it is cut into several segments while passages compress in the
# background, and prints how many index files differ from the first build: 0 when the
# index depends only on its input. Unit tests cannot show this: at their size, malloc and
# the compression thread happen to behave the same way from run to run.
#
#   scripts/determinism.sh [TIER] [RAM_MB]    # default: medium 24 (5 segments)
#
# Reads CORPUS (default ${TMPDIR:-/tmp}/aisearch-bench/corpus) and AISEARCH_BIN (default:
# build one). Prints figures, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-medium}
ram=${2:-24}
corpus=${CORPUS:-${TMPDIR:-/tmp}/aisearch-bench/corpus}
[ -d "$corpus/$tier" ] || { echo "determinism: no $corpus/$tier; build it with ../shared/bench/corpus/build.sh" >&2; exit 2; }
bin=${AISEARCH_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product aisearch >/dev/null
  bin=$(swift build -c release --show-bin-path)/aisearch
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs_of() { [ "$1" = 4 ] && echo 1 || echo 2; }  # the fourth build runs on one worker
for run in 1 2 3 4; do
  ( cd "$corpus" && "$bin" index "$tier" --index "$work/$run" --quiet --ram-mb "$ram" --jobs "$(jobs_of $run)" )
done
"$bin" stats --index "$work/1" | grep segments
for run in 2 3 4; do
  differ=0
  for file in "$work/1"/*; do
    name=$(basename "$file")
    [ "$name" = LOCK ] || cmp -s "$file" "$work/$run/$name" || differ=$((differ + 1))
  done
  echo "build $run (--jobs $(jobs_of $run)): $differ of $(ls "$work/1" | grep -vc LOCK) files differ from build 1"
done
