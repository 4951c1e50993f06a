#!/usr/bin/env bash
# Measures aisearch on a tier of ../shared/bench the way run_peers.sh measures the peers, and
# prints one JSON line with the peers' fields, then a table beside the peers' results.
#
#   scripts/bench.sh [TIER]          # TIER: small | medium | large (default medium)
#
# Reads CORPUS (default ${TMPDIR:-/tmp}/aisearch-bench/corpus; the tier directory and
# TIER.passages.jsonl in it), WORK (default ${TMPDIR:-/tmp}/aisearch-bench/work/TIER),
# QUERIES (default ../shared/bench/queries/latency.txt), PEERS_RESULTS (the peers' JSONL
# for this tier, default ../shared/bench/results/TIER.jsonl), AISEARCH_BIN (a built binary;
# default: build one). Prints figures, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-medium}
tmp=${TMPDIR:-/tmp}
corpus=${CORPUS:-$tmp/aisearch-bench/corpus}
work=${WORK:-$tmp/aisearch-bench/work/$tier}
queries=${QUERIES:-../shared/bench/queries/latency.txt}
peers=${PEERS_RESULTS:-../shared/bench/results/$tier.jsonl}
[ -d "$corpus/$tier" ] || { echo "bench: no $corpus/$tier; build it with ../shared/bench/corpus/build.sh" >&2; exit 2; }
# AISEARCH_BIN: a binary already built (e.g. in another --scratch-path).
bin=${AISEARCH_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product aisearch >/dev/null
  bin=$(swift build -c release --show-bin-path)/aisearch
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")  # the index step runs from the corpus
index=$work/aisearch
mkdir -p "$work"
rm -rf "$index"

# The tier's files are read once first, so that the timed run reads them from the page
# cache: a tree of 254,000 small files read from disk is not the cost of indexing (a large
# run after the cache had been emptied: 276 s, 99% of one core; right after a read: 142 s).
find "$corpus/$tier" -type f -print0 | xargs -0 cat > /dev/null

# Index, from the tier's parent so citations read TIER/...; wall time and peak RSS.
( cd "$corpus" && /usr/bin/time -v "$bin" index "$tier" --index "$index" --quiet ) 2> "$work/aisearch-index.time"
index_s=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/aisearch-index.time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/aisearch-index.time")

# Warm latency, as the peers' harnesses take it: one process answers every query once
# untimed, then again with per-query microseconds.
"$bin" search --batch "$queries" --index "$index" -k 10 --warm-up --timings > "$work/aisearch-hits.jsonl" 2> "$work/aisearch-timings.tsv" || true

# Cold command line: a new process per query for 10 evenly spaced queries, page cache warm.
python3 - "$bin" "$index" "$queries" > "$work/aisearch-cold.txt" <<'PY'
import subprocess, sys, time
binary, index, path = sys.argv[1:4]
qs = [l.strip() for l in open(path, encoding="utf-8") if l.strip()]
picked = [qs[i * len(qs) // 10] for i in range(10)]
for q in picked:  # warm the page cache
    subprocess.run([binary, q, "--index", index], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
times = []
for q in picked:
    t = time.perf_counter()
    subprocess.run([binary, q, "--index", index], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print((times[4] + times[5]) / 2)
PY

python3 - "$tier" "$corpus" "$index" "$index_s" "$rss_kb" "$work" "$queries" "$peers" <<'PY'
import json, os, sys
tier, corpus, index, index_s, rss_kb, work, queries, peers = sys.argv[1:9]
index_s = float(index_s)
input_mb = os.path.getsize(os.path.join(corpus, tier + ".passages.jsonl")) / 1048576
size = sum(os.path.getsize(os.path.join(index, f)) for f in os.listdir(index))
micros = sorted(int(l.split("\t")[1]) for l in open(os.path.join(work, "aisearch-timings.tsv")) if "\t" in l)
n = len(micros)
pct = lambda p: micros[min(n - 1, int(p * n))] / 1000 if n else None
hit_queries = {json.loads(l)["query_id"] for l in open(os.path.join(work, "aisearch-hits.jsonl"))}
total_queries = sum(1 for l in open(queries, encoding="utf-8") if l.strip())
cold = float(open(os.path.join(work, "aisearch-cold.txt")).read())
row = {"engine": "aisearch", "tier": tier, "input_mb": round(input_mb, 1), "index_s": round(index_s, 2),
       "index_mb_per_s": round(input_mb / index_s, 2), "peak_rss_mb": int(rss_kb) // 1024, "index_bytes": size,
       "query_p50_ms": pct(0.50), "query_p95_ms": pct(0.95), "query_p99_ms": pct(0.99),
       "qps": round(n / (sum(micros) / 1e6), 1) if n else None, "zero_hit_queries": total_queries - len(hit_queries),
       "cold_cli_p50_ms": round(cold, 1)}
print(json.dumps(row))
rows = [row]
if os.path.exists(peers):
    rows += [json.loads(l) for l in open(peers, encoding="utf-8") if l.strip() and json.loads(l).get("engine") != "icu-limit"]
cols = ["engine", "index_s", "index_mb_per_s", "peak_rss_mb", "index_bytes", "query_p50_ms", "query_p99_ms", "cold_cli_p50_ms"]
print("\n| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
for r in rows:
    print("| " + " | ".join("" if r.get(c) is None else str(r[c]) for c in cols) + " |")
lucene = next((r for r in rows if r["engine"] == "lucene-icu-bigram"), None)
if lucene:
    print("\nagainst lucene-icu-bigram: index time %.2f×, index size %.2f×, warm p50 %.2f×, cold CLI %.3f×" % (
        lucene["index_s"] / index_s, size / lucene["index_bytes"],
        (row["query_p50_ms"] or 0) / lucene["query_p50_ms"], row["cold_cli_p50_ms"] / lucene["cold_cli_p50_ms"]))
PY
