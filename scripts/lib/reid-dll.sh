# Sourced by scripts that run the built worker: sets $dll to REID_DLL, else the Release build, else the
# Debug build, and exits 2 with the fix when none exists. Needs $root (the repository) and takes the
# calling script's name for the message.
reid_dll() {
  dll="${REID_DLL:-}"
  if [[ -z "$dll" ]]; then
    for c in Release Debug; do
      local f="$root/src/ReIdWorker/bin/$c/net10.0/linux-x64/reid.dll"
      if [[ -f "$f" ]]; then dll="$f"; break; fi
    done
  fi
  [[ -n "$dll" && -f "$dll" ]] || { echo "$1: reid.dll is not built; run: dotnet build -c Release src/ReIdWorker" >&2; exit 2; }
}
