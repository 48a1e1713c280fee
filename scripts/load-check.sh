#!/usr/bin/env bash
# Load check of `reid run` (issue 5, item 8): N live cameras for T seconds, then per-camera frames/s and
# drops, embedder batch sizes and the worker's RSS sampled over time (growth = a leak).
#
#   scripts/load-check.sh [-n CAMERAS] [-t SECONDS] [-i SAMPLE_SECONDS] [--files] [--out DIR]
#
# Cameras are copies of .samples/vtest.avi (768x576, 10 fps) streamed by ffmpeg on 127.0.0.1 (one
# tcp:// server per camera, re-served if the worker reconnects), so the worker decodes them through its
# network path; --files uses looped file cameras instead. Uses the built reid.dll (Release if present,
# else Debug; or REID_DLL). Needs ffmpeg, curl and python3. Prints a summary; raw samples stay in --out.
set -euo pipefail

cameras=4; seconds=150; interval=10; mode=tcp; out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) cameras="$2"; shift 2 ;;
    -t) seconds="$2"; shift 2 ;;
    -i) interval="$2"; shift 2 ;;
    --files) mode=files; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) echo "load-check: unknown argument '$1'; see --help" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
video="${REID_SAMPLE_VIDEO:-$root/.samples/vtest.avi}"
[[ -f "$video" ]] || { echo "load-check: sample footage '$video' is missing; run scripts/setup.sh" >&2; exit 2; }
source "$root/scripts/lib/reid-dll.sh"
reid_dll load-check
command -v ffmpeg >/dev/null || { echo "load-check: ffmpeg is missing; apt-get install ffmpeg" >&2; exit 2; }

out="${out:-$(mktemp -d /tmp/reid-load-XXXXXX)}"
mkdir -p "$out"
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
servers=()
reid_pid=""

cleanup() {
  [[ -n "$reid_pid" ]] && kill -TERM "$reid_pid" 2>/dev/null || true
  for pid in "${servers[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Camera list: one ffmpeg server per camera ("copy" into NUT: no encoding cost on the load machine).
cams_json=""
for i in $(seq 1 "$cameras"); do
  if [[ "$mode" == tcp ]]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    setsid bash -c "while true; do ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i '$video' -c copy -f nut 'tcp://127.0.0.1:$port?listen=1'; sleep 0.2; done" \
      >"$out/ffmpeg-$i.log" 2>&1 &
    servers+=($!)
    source="tcp://127.0.0.1:$port"; loop=false
  else
    source="$video"; loop=true
  fi
  cams_json+="${cams_json:+,}{\"Id\":\"cam$i\",\"Source\":\"$source\",\"Loop\":$loop}"
done

cat >"$out/config.json" <<JSON
{ "Reid": {
    "WorkerId": "load-check",
    "Cameras": [ $cams_json ],
    "Events": { "JsonlPath": "$out/events.jsonl" },
    "Gallery": { "Kind": "embedded", "Path": "$out/gallery.bin" },
    "Http": { "Port": $http_port } } }
JSON

dotnet "$dll" run --config "$out/config.json" >"$out/reid.log" 2>&1 &
reid_pid=$!
echo "load-check: $cameras $mode camera(s) for ${seconds}s; worker pid $reid_pid, metrics http://127.0.0.1:$http_port/metrics, files in $out"

for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$http_port/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$reid_pid" 2>/dev/null || { echo "load-check: reid run exited early; see $out/reid.log" >&2; tail -5 "$out/reid.log" >&2; exit 1; }
  sleep 1
done
curl -fs "http://127.0.0.1:$http_port/health/ready" >/dev/null || { echo "load-check: not ready after 120 s; see $out/reid.log" >&2; exit 1; }

start=$(date +%s.%N)
: >"$out/rss.tsv"
sample() {
  local now rss heap
  now=$(date +%s.%N)
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$reid_pid/status")
  # The managed heap beside RSS tells a native leak (frames, ORT values) from managed growth.
  heap=$(curl -fs "http://127.0.0.1:$http_port/metrics" | awk '/^dotnet_total_memory_bytes / {printf "%d", $2/1024}')
  printf '%s\t%s\t%s\n' "$(python3 -c "print(round($now-$start,1))")" "$rss" "${heap:-0}" >>"$out/rss.tsv"
}
curl -fs "http://127.0.0.1:$http_port/metrics" >"$out/metrics-start.txt"
sample
end=$(python3 -c "print($start+$seconds)")
while python3 -c "import sys,time; sys.exit(0 if time.time() < $end else 1)"; do
  sleep "$interval"
  kill -0 "$reid_pid" 2>/dev/null || { echo "load-check: reid run died; see $out/reid.log" >&2; exit 1; }
  sample
done
curl -fs "http://127.0.0.1:$http_port/metrics" >"$out/metrics-end.txt"
elapsed=$(python3 -c "import time; print(time.time()-$start)")

stop_start=$(date +%s.%N)
kill -TERM "$reid_pid"
set +e; wait "$reid_pid"; code=$?; set -e
reid_pid=""
stop_seconds=$(python3 -c "import time; print(round(time.time()-$stop_start,1))")

python3 - "$out" "$elapsed" "$code" "$stop_seconds" <<'PY'
import re, sys
out, elapsed, code, stop = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def parse(path):
    values = {}
    for line in open(path):
        if line.startswith('#') or '_bucket{' in line: continue
        m = re.match(r'^(\S+?)(\{[^}]*\})?\s+(\S+)$', line.strip())
        if m: values[(m.group(1), m.group(2) or '')] = float(m.group(3))
    return values
a, b = parse(f'{out}/metrics-start.txt'), parse(f'{out}/metrics-end.txt')
d = lambda name, labels='': b.get((name, labels), 0) - a.get((name, labels), 0)
cams = sorted({l for (n, l) in b if n == 'reid_frames_total'}, key=lambda l: int(re.sub(r'\D', '', l) or 0))
print(f"\nwindow {elapsed:.0f} s, {len(cams)} camera(s); SIGTERM -> exit {code} in {stop} s")
print(f"{'camera':<8} {'processed/s':>11} {'read/s':>7} {'dropped':>8} {'drop %':>7} {'reconnects':>10} {'events':>7}")
total = 0
for l in cams:
    cam = re.search(r'camera="([^"]+)"', l).group(1)
    proc, read, drop = d('reid_frames_total', l), d('reid_frames_read_total', l), d('reid_frames_dropped_total', l)
    events = sum(v - a.get(k, 0) for k, v in b.items() if k[0] == 'reid_events_published_total' and f'camera="{cam}"' in k[1])
    total += proc
    print(f"{cam:<8} {proc/elapsed:>11.2f} {read/elapsed:>7.2f} {drop:>8.0f} {100*drop/max(read,1):>6.1f}% {d('reid_source_reconnects_total', l):>10.0f} {events:>7.0f}")
print(f"all cameras: {total/elapsed:.2f} frames/s processed")
n, s = d('reid_embedder_batch_size_count'), d('reid_embedder_batch_size_sum')
t = d('reid_embedder_batch_seconds_sum')
prov = [l for (n2, l) in b if n2 == 'reid_embedder_info']
print(f"embedder: {n:.0f} batches, mean batch {s/max(n,1):.2f} crops, {s/elapsed:.1f} crops/s, {1000*t/max(n,1):.1f} ms per batch {prov[0] if prov else ''}")
rows = [line.split('\t') for line in open(f'{out}/rss.tsv') if line.strip()]
times = [float(r[0]) for r in rows]
mib = [int(r[1]) / 1024 for r in rows]
heap = [int(r[2]) / 1024 for r in rows]
print("RSS MiB over time: " + ", ".join(f"{t:.0f}s {m:.0f}" for t, m in zip(times, mib)))
print("managed heap MiB:  " + ", ".join(f"{t:.0f}s {h:.0f}" for t, h in zip(times, heap)))
half = mib[len(mib)//2:]
print(f"RSS first {mib[0]:.0f} MiB, last {mib[-1]:.0f} MiB, max {max(mib):.0f} MiB; second half min/max {min(half):.0f}/{max(half):.0f} MiB")
PY
