#!/usr/bin/env bash
# Tracking and identity on the real sample footage (vtest.avi = PETS09-S2L1), scored against its MOTChallenge
# ground truth (tests/data/PETS09-S2L1, provenance there): the README's real-footage figures. Replays the
# footage with each detection source, scores the tracks with `reid eval-mot` and the global person ids with
# `reid eval-mot --events --people` (the 19 ground-truth ids are 10 people who walk in and out), and prints one
# line per source.
#
#   scripts/vtest-benchmark.sh [--detections "gt public hog"] [--public FILE] [--out DIR] [-- REPLAY_ARGS...]
#
# Detection sources: gt (the ground-truth boxes as detections: only tracking and re-identification are
# scored), public (the Faster R-CNN detections published with the SORT tracker, default
# ../shared/data/PETS09-S2L1-det.txt; skipped with a note when absent), hog (the default detector; about
# 4 min). Arguments after -- go to every replay (e.g. --track-appearance false, --match-threshold 0.8,
# --hog-upscale 2, --model F.onnx). Uses the built reid.dll (Release if present, else Debug; or REID_DLL)
# and the footage scripts/setup.sh extracts. Needs python3.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
sources="gt public"; public="$root/../shared/data/PETS09-S2L1-det.txt"; out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --detections) sources="$2"; shift 2 ;;
    --public) public="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    *) echo "vtest-benchmark: unknown argument '$1'; see --help" >&2; exit 2 ;;
  esac
done

source "$root/scripts/lib/reid-dll.sh"
reid_dll vtest-benchmark
video="$root/.samples/vtest.avi"
gt="$root/tests/data/PETS09-S2L1/gt/gt.txt"
people="$root/tests/data/PETS09-S2L1/people.csv"
[[ -f "$video" ]] || { echo "vtest-benchmark: $video is missing; run scripts/setup.sh" >&2; exit 2; }
out="${out:-/tmp/reid-vtest}"
mkdir -p "$out"
reid() { dotnet "$dll" "$@"; }

printf '%-8s %-6s %-6s %-6s %-5s %-6s | %-11s %-9s %-13s %-12s\n' detector MOTA IDF1 HOTA IDSW Frag "global IDF1" "ids" "ids on 2+" "people split"
for source in $sources; do
  args=()
  case "$source" in
    gt) args+=(--detections "$gt") ;;
    public)
      if [[ ! -f "$public" ]]; then echo "public   skipped: $public not found (pass --public FILE)"; continue; fi
      args+=(--detections "$public") ;;
    hog) ;;
    *) echo "vtest-benchmark: unknown detection source '$source'; use gt, public or hog" >&2; exit 2 ;;
  esac
  replay="$out/$source"
  rm -rf "$replay"
  reid replay "$video" --no-video --out "$replay" "${args[@]}" "$@" > "$replay.log" 2>&1 \
    || { echo "vtest-benchmark: replay with $source detections failed, see $replay.log" >&2; exit 1; }
  reid eval-mot --gt "$gt" --pred "$replay/vtest/tracks.txt" --events "$replay/events.jsonl" --people "$people" --json "$replay.json" > "$replay.eval" 2>&1 \
    || { echo "vtest-benchmark: eval-mot of the $source replay failed, see $replay.eval" >&2; exit 1; }
  python3 - "$replay.json" "$source" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["sequences"][0]["result"]; c = r["clear"]; g = d["globalIds"]
print(f'{sys.argv[2]:<8} {c["mota"]:<6.3f} {r["identity"]["idf1"]:<6.3f} {r["hota"]["hota"]:<6.3f} {c["idSwitches"]:<5} {c["fragmentations"]:<6} | '
      f'{g["idf1"]:<11.3f} {g["identities"]:<9} {g["impureIdentities"]:<13} {g["splitPeople"]} of {g["identifiedPeople"]}')
EOF
done
echo "19 ground-truth ids, 10 people (tests/data/PETS09-S2L1/people.csv); outputs in $out"
