#!/usr/bin/env bash
# Draws tests/data/PETS09-S2L1/people.jpg: one row per person of people.csv, three crops of each of the
# person's ground-truth ids, cut from vtest.avi at the ground-truth boxes (early, middle and late in the id's
# frames). It is the evidence for people.csv's by-eye labels: check that each row shows one person.
#
#   scripts/pets-people-sheet.sh [OUT.jpg]
#
# Needs ffmpeg (apt-get install ffmpeg) and python3, and the footage scripts/setup.sh extracts.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="$root/tests/data/PETS09-S2L1"
video="$root/.samples/vtest.avi"
out="${1:-$data/people.jpg}"
[[ -f "$video" ]] || { echo "pets-people-sheet: $video is missing; run scripts/setup.sh" >&2; exit 2; }
command -v ffmpeg > /dev/null || { echo "pets-people-sheet: ffmpeg not found; apt-get install ffmpeg" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

# One line per crop: row (person), column, gt id, frame, x, y, w, h.
python3 - "$data/people.csv" "$data/gt/gt.txt" > "$work/plan" <<'PY'
import sys, collections
people = collections.OrderedDict()
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith('#'): continue
    gt_id, person = line.split(',')
    people.setdefault(person, []).append(int(gt_id))
rows = collections.defaultdict(list)
for line in open(sys.argv[2]):
    f = line.split(',')
    if f[6].strip() != '0': rows[int(f[1])].append((int(f[0]), *(float(v) for v in f[2:6])))
for r, (person, ids) in enumerate(people.items()):
    c = 0
    for gt_id in sorted(ids):
        boxes = sorted(rows[gt_id])
        for q in (0.2, 0.5, 0.8):
            frame, x, y, w, h = boxes[int(q * (len(boxes) - 1))]
            x, y = max(0, round(x)), max(0, round(y))
            w, h = min(round(w), 768 - x), min(round(h), 576 - y)
            print(r, c, gt_id, frame, x, y, w, h); c += 1
PY

while read -r r c id frame x y w h; do
  ffmpeg -nostdin -loglevel error -y -i "$video" -vf "select=eq(n\,$((frame - 1))),crop=$w:$h:$x:$y,scale=64:160,pad=68:176:2:16:white,drawtext=text='gt $id':fontcolor=black:fontsize=11:x=4:y=2" \
    -frames:v 1 "$work/crop-$(printf %02d "$r")-$(printf %02d "$c").png"
done < "$work/plan"

# Rows of equal width (12 crops: the most ids one person has is 4), then stacked.
for row in $(cut -d' ' -f1 "$work/plan" | sort -un); do
  files=("$work"/crop-$(printf %02d "$row")-*.png); n=${#files[@]}
  inputs=(); for f in "${files[@]}"; do inputs+=(-i "$f"); done
  chain="$(for k in $(seq 0 $((n - 1))); do printf "[%d]" "$k"; done)"
  [[ $n -gt 1 ]] && stack="${chain}hstack=inputs=$n" || stack="${chain}null"
  ffmpeg -loglevel error -y "${inputs[@]}" -filter_complex "$stack,pad=816:176:0:0:white" "$work/row-$(printf %02d "$row").png"
done
rows=("$work"/row-*.png); inputs=(); for f in "${rows[@]}"; do inputs+=(-i "$f"); done
ffmpeg -loglevel error -y "${inputs[@]}" -filter_complex "$(for k in $(seq 0 $((${#rows[@]} - 1))); do printf "[%d]" "$k"; done)vstack=inputs=${#rows[@]}" -q:v 4 "$out"
echo "wrote $out (${#rows[@]} people)"
