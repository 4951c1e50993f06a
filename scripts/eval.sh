#!/usr/bin/env bash
# Scores aisearch on judged queries (the format of ../shared/eval) with that folder's scorer.
#
#   scripts/eval.sh [QUERIES.jsonl] [INDEX_DIR] [extra score.py flags...]
#
# Builds the release binary if needed, answers every query with `search --batch` (top 10),
# maps the batch's query_id (line number) back to the query's id and runs score.py.
set -euo pipefail
cd "$(dirname "$0")/.."
queries=${1:-../shared/eval/dev.jsonl}
index=${2:-index}
shift $(( $# > 2 ? 2 : $# ))
scorer=$(dirname "$queries")/score.py
[ -f "$scorer" ] || scorer=../shared/eval/score.py
# AISEARCH_BIN: a binary already built (e.g. in another --scratch-path).
bin=${AISEARCH_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product aisearch >/dev/null
  bin=$(swift build -c release --show-bin-path)/aisearch
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$queries" > "$work/queries.txt" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        print(json.loads(line)["query"].replace("\n", " "))
PY
status=0
"$bin" search --batch "$work/queries.txt" --index "$index" -k 10 > "$work/hits.jsonl" || status=$?
[ "$status" -le 1 ] || exit "$status"
python3 - "$queries" "$work/hits.jsonl" > "$work/results.jsonl" <<'PY'
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
for line in open(sys.argv[2], encoding="utf-8"):
    hit = json.loads(line)
    hit["query_id"] = ids[hit["query_id"] - 1]
    print(json.dumps(hit, ensure_ascii=False))
PY
python3 "$scorer" --queries "$queries" --results "$work/results.jsonl" "$@"
