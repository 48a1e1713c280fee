#!/usr/bin/env bash
# Tracking and cross-camera identity on synthetic scenes with ground truth (the README's figures):
# renders scenes with `reid synth-scene`, replays each with its ground-truth boxes as detections (so only
# tracking and re-identification are scored) and its overlapping camera pairs, scores it with
# `reid eval-scene`, and prints one line per scene plus the mean.
#
#   scripts/scene-benchmark.sh [--seeds "2 3 4"] [--cameras 3] [--people 12] [--out DIR] [-- REPLAY_ARGS...]
#
# Arguments after -- go to every `reid replay` (e.g. --match-threshold 0.7, --tracker iou,
# --model models/resnet18-imagenet-reid-baseline.onnx, --track-appearance false). --no-overlap replays without
# --overlapping-cameras (the cameras then never share an identity between tracks live at once).
# Scenes already rendered in --out are reused. Uses the built reid.dll (Release if present, else Debug;
# or REID_DLL). Needs python3.
set -euo pipefail

seeds="2 3 4 5 6 7 8 9 10 11 12"; cameras=3; people=12; out=""; overlap=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --cameras) cameras="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-overlap) overlap=0; shift ;;
    --) shift; break ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "scene-benchmark: unknown argument '$1'; see --help" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/lib/reid-dll.sh"
reid_dll scene-benchmark
out="${out:-/tmp/reid-scenes}"
mkdir -p "$out"
reid() { dotnet "$dll" "$@"; }

printf '%-8s %-24s %-10s %-26s %-22s\n' scene "MOTA per camera" "MTMC IDF1" "people keeping one id" "ids covering 2+ people"
results=()
for seed in $seeds; do
  scene="$out/scene-$cameras-$people-$seed"
  if [[ ! -f "$scene/identities.json" ]]; then
    reid synth-scene --out "$scene" --cameras "$cameras" --people "$people" --seed "$seed" > "$scene.log" 2>&1 \
      || { echo "scene-benchmark: synth-scene seed $seed failed, see $scene.log" >&2; exit 1; }
  fi
  cams=$(python3 -c 'import json,sys; print(" ".join(c["id"] for c in json.load(open(sys.argv[1]))["cameras"]))' "$scene/identities.json")
  pairs=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1])).get("overlappingCameras", [])))' "$scene/identities.json")
  videos=(); dets=(); ids=()
  for c in $cams; do videos+=("$scene/$c/video.avi"); dets+=("$scene/$c/gt/gt.txt"); ids+=("$c"); done
  args=()
  [[ $overlap == 1 && -n "$pairs" ]] && args+=(--overlapping-cameras $pairs)
  replay="$scene-replay"
  rm -rf "$replay"
  reid replay "${videos[@]}" --camera-id "${ids[@]}" --detections "${dets[@]}" --no-video --out "$replay" "${args[@]}" "$@" \
    > "$replay.log" 2>&1 || { echo "scene-benchmark: replay of seed $seed failed, see $replay.log" >&2; exit 1; }
  reid eval-scene --scene "$scene" --replay "$replay" --json "$replay.json" > "$replay.eval" 2>&1 \
    || { echo "scene-benchmark: eval-scene of seed $seed failed, see $replay.eval" >&2; exit 1; }
  line=$(python3 - "$replay.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["crossCamera"]
mota = " / ".join(f'{cam["mota"]:.3f}' for cam in d["cameras"])
print(f'{mota}\t{c["multiCamera"]["idf1"]:.3f}\t{c["ConsistentPeople"]} of {c["MultiCameraPeople"]}\t{c["ImpureIdentities"]} of {c["Identities"]}')
EOF
)
  IFS=$'\t' read -r mota idf1 keep impure <<< "$line"
  printf '%-8s %-24s %-10s %-26s %-22s\n' "seed $seed" "$mota" "$idf1" "$keep" "$impure"
  results+=("$idf1")
done
python3 -c 'import sys; v=[float(x) for x in sys.argv[1:]]; print(f"mean MTMC IDF1 over {len(v)} scene(s): {sum(v)/len(v):.3f}")' "${results[@]}"
echo "outputs in $out"
