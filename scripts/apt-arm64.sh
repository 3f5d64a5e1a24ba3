# Sourced: a private apt configuration for Debian 12 arm64 binary packages,
# under build/apt/arm64, made from the deb-src entries scripts/deps.sh writes
# to build/apt/sources.list (same archive, same keyrings). It downloads .deb
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

apt64_update() {
    local src=$ROOT/build/apt/sources.list
    [[ -s $src ]] || { echo "apt-arm64: $src missing: run make (scripts/deps.sh) first" >&2; return 1; }
    mkdir -p "$APT64_DIR/lists/partial" "$APT64_DIR/cache/archives/partial" "$APT64_DIR/state" \
        "$APT64_DIR/sources.list.d"
    : >>"$APT64_DIR/status"
    # Only bookworm (Debian 12): the same release as the build host.
    awk '$1 == "deb-src" && / bookworm main$/ { $1 = "deb [arch=arm64]"; sub(/\[arch=arm64\] \[/, "[arch=arm64 "); print }' \
        "$src" >"$APT64_DIR/sources.list.tmp"
    [[ -s $APT64_DIR/sources.list.tmp ]] || { echo "apt-arm64: no bookworm entry in $src" >&2; return 1; }
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
