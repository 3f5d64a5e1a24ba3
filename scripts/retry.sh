# Sourced by the install scripts: retry CMD... runs a network command up to 3 times.
retry() {
    local i
    for i in 1 2 3; do
        "$@" && return 0
        [[ $i == 3 ]] || { echo "${0##*/}: retrying in $((i * 5))s: $*" >&2; sleep $((i * 5)); }
    done
    return 1
}
