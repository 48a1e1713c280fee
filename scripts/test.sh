#!/usr/bin/env bash
# Runs every test project and ends with one plain line: "N passed, N failed, N skipped".
# Does its own set-up (apt packages, sample footage) via scripts/setup.sh.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

results="$repo/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
dotnet build ReIdWorker.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
# One project at a time: the machines have two cores and the tests run real decoders and models.
dotnet test ReIdWorker.sln -c Release --no-build -nologo -m:1 \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results"
rc=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  # xUnit's skipped tests are results with outcome NotExecuted; the Counters element leaves them out.
  skipped=$((skipped + $(grep -c 'outcome="NotExecuted"' "$trx")))
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a crash or build failure still fails
echo "$passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
