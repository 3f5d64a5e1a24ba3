# Sourced: a private apt configuration for Debian 12 arm64 binary packages,
# under build/apt/arm64, for the Debian archive the system's own apt sources
# name (same mirror, same keyrings). It downloads .deb
# files only; nothing is installed, the system's apt sources and dpkg
# architectures stay as they are.
#
#   apt64_update            fetch the bookworm arm64 package index (once a day)
#   apt64_get DIR PKG...    download PKG... (arm64) and unpack each into DIR
#                           with dpkg-deb -x (no maintainer scripts)

APT64_DIR=${APT64_DIR:-$ROOT/build/apt/arm64}
APT64=(-o "Dir::Etc::SourceList=$APT64_DIR/sources.list"
       -o "Dir::Etc::SourceParts=$APT64_DIR/sources.list.d"
       -o "Dir::State=$APT64_DIR/state"
       -o "Dir::State::Lists=$APT64_DIR/lists"
       -o "Dir::State::status=$APT64_DIR/status"
       -o "Dir::Cache=$APT64_DIR/cache"
       -o "APT::Architecture=arm64"
       -o "APT::Architectures::=arm64"
       -o "APT::Sandbox::User=root"
       -o "Acquire::Languages=none")

# "URI SIGNED-BY" lines of the system's main Debian archive: from
# scripts/archive.sh when present, else from the deb-src entries deps.sh wrote.
apt64_entries() {
    if [[ -f $ROOT/scripts/archive.sh ]]; then
        # shellcheck source=/dev/null
        . "$ROOT/scripts/archive.sh"
        archive_entries
    elif [[ -s $ROOT/build/apt/sources.list ]]; then
        awk '$1 == "deb-src" { sb = "-"; u = $2; if ($2 ~ /^\[signed-by=/) { sb = $2; sub(/^\[signed-by=/, "", sb); sub(/\]$/, "", sb); u = $3 }
              if (!seen[u]++) print u, sb }' "$ROOT/build/apt/sources.list"
    else
        echo "apt-arm64: no Debian archive known: run make (scripts/deps.sh) first" >&2
        return 1
    fi
}

apt64_update() {
    local uri sb entries
    mkdir -p "$APT64_DIR/lists/partial" "$APT64_DIR/cache/archives/partial" "$APT64_DIR/state" \
        "$APT64_DIR/sources.list.d"
    : >>"$APT64_DIR/status"
    entries=$(apt64_entries) || return 1
    # Only bookworm (Debian 12): the same release as the build host.
    while read -r uri sb; do
        [[ -n $uri ]] || continue
        if [[ $sb == - ]]; then echo "deb [arch=arm64] $uri bookworm main"
        else echo "deb [arch=arm64 signed-by=$sb] $uri bookworm main"; fi
    done <<<"$entries" >"$APT64_DIR/sources.list.tmp"
    [[ -s $APT64_DIR/sources.list.tmp ]] || { echo "apt-arm64: no Debian archive entry" >&2; return 1; }
    if cmp -s "$APT64_DIR/sources.list.tmp" "$APT64_DIR/sources.list" &&
        [[ -n $(find "$APT64_DIR/lists" -name '*_Packages*' -mtime -1 2>/dev/null) ]]; then
        rm -f "$APT64_DIR/sources.list.tmp"
        return 0
    fi
    mv "$APT64_DIR/sources.list.tmp" "$APT64_DIR/sources.list"
    retry apt-get "${APT64[@]}" -q update >"$APT64_DIR/update.log" 2>&1 ||
        { tail -n 20 "$APT64_DIR/update.log" >&2; return 1; }
}

apt64_get() {
    local dir=$1 deb pkg
    shift
    mkdir -p "$dir" "$APT64_DIR/debs"
    for pkg in "$@"; do
        (cd "$APT64_DIR/debs" && retry apt-get "${APT64[@]}" -q download "$pkg:arm64" >/dev/null) ||
            { echo "apt-arm64: cannot download $pkg:arm64" >&2; return 1; }
    done
    for pkg in "$@"; do
        deb=$(ls -t "$APT64_DIR/debs/${pkg}"_*_arm64.deb | head -n1)
        dpkg-deb -x "$deb" "$dir"
    done
}
