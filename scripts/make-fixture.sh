#!/usr/bin/env bash
# Rebuilds the frozen test index Tests/AISearchTests/Fixtures/index_vN after a deliberate
# format change (FileFormat.version bumped to N). CompatTests opens it; commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/.*static let version: UInt32 = \([0-9]*\).*/\1/p' Sources/AISearch/Index/FileFormat.swift)
out=Tests/AISearchTests/Fixtures/index_v$version
swift build --product aisearch >/dev/null
bin=$(swift build --show-bin-path)/aisearch
rm -rf "$out"
# Relative paths, so that citations in the fixture do not depend on where it was built.
(cd Tests/AISearchTests/Fixtures && "$bin" index corpus --index "index_v$version" --jobs 1 --quiet)
rm -f "$out/LOCK"
echo "wrote $out"
ls -l "$out"
