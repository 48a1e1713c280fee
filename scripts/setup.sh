#!/usr/bin/env bash
# Installs what reid needs on Debian 12 / Ubuntu and fetches the sample footage.
# Idempotent: re-running it only does what is missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

need=()
# libgtk-3-0: OpenCvSharp's official linux-x64 runtime links it (DllNotFoundException otherwise).
# ffmpeg: network camera sources and `reid doctor`; kcat: an independent Kafka client for tests.
for pkg in libgtk-3-0 ffmpeg kcat; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Sample footage: vtest.avi (PETS 2009 S2L1 View 001, 768x576, 795 frames) ships in Debian's
# opencv-doc package. Extract just that file instead of installing 270 MB of documentation.
sample="$repo/.samples/vtest.avi"
if [ ! -s "$sample" ]; then
  echo "setup: fetching sample footage (opencv-doc)" >&2
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download opencv-doc >/dev/null 2>&1 || { $sudo apt-get update -qq && apt-get download opencv-doc >/dev/null; })
  dpkg -x "$tmp"/opencv-doc_*.deb "$tmp/x"
  mkdir -p "$repo/.samples"
  cp "$tmp/x/usr/share/doc/opencv-doc/examples/data/vtest.avi" "$sample"
  rm -rf "$tmp"
fi
echo "setup: ok (sample: $sample)" >&2
