# shellcheck shell=bash
# Sourced by deps.sh and pin-update.sh: the Debian archive URIs of this system's
# own apt sources (never changed), so the build reaches the same mirror apt does.

# Print "URI SIGNED-BY" for each main-archive entry (SIGNED-BY "-" if none).
archive_uris() {
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        awk '
            function flush() {
                if (types ~ /(^| )deb(-src)?( |$)/ && main && comps ~ /(^| )main( |$)/ && enabled != "no")
                    for (i = 1; i <= nu; i++) print u[i], (sb ~ /^\// ? sb : "-")
                types = ""; comps = ""; sb = ""; enabled = ""; nu = 0; main = 0
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]/   { next }                  # continuation (inline key)
            {
                key = tolower($1); sub(/:$/, "", key)
                val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                if (key == "types") types = val
                else if (key == "uris") nu = split(val, u, /[ \t]+/)
                else if (key == "components") comps = val
                else if (key == "signed-by") sb = val
                else if (key == "enabled") enabled = tolower(val)
                else if (key == "suites") { n = split(val, s, /[ \t]+/); for (i = 1; i <= n; i++) if (s[i] !~ /[-\/]/) main = 1 }
            }
            END { flush() }' /etc/apt/sources.list.d/debian.sources
    fi
    if [[ -f /etc/apt/sources.list ]]; then
        awk '
            $1 != "deb" && $1 != "deb-src" { next }
            {
                i = 2; sb = "-"
                if ($2 ~ /^\[/) {
                    for (; i <= NF; i++) {
                        if ($i ~ /^\[?signed-by=/) { sb = $i; sub(/^\[?signed-by=/, "", sb); sub(/\]$/, "", sb) }
                        if ($i ~ /\]$/) { i++; break }
                    }
                }
                uri = $i; suite = $(i + 1)
                for (j = i + 2; j <= NF; j++) if ($j == "main" && suite !~ /[-\/]/) { print uri, sb; break }
            }' /etc/apt/sources.list
    fi
}

# The distinct main-archive URIs, one "URI SIGNED-BY" a line; dies when there is none.
archive_entries() {
    local e
    e=$(archive_uris | awk '!seen[$1]++')
    [[ -n $e ]] || { echo "${0##*/}: error: no Debian archive in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list" >&2; return 1; }
    printf '%s\n' "$e"
}
