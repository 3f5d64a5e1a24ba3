#!/usr/bin/env bash
# bench/run.sh: measure the shim against tini-static, dumb-init, catatonit and a
# minimal fork/exec/wait floor, side by side in one run, and print one markdown
# report (stdout and build/bench/results.md). See bench/README.md.
#
#   bench/run.sh            full run (~20 minutes)
#   bench/run.sh --quick    short run for CI smoke (~1-2 minutes)
#   bench/run.sh --only startup,size,reap,signal,syscall,http,learn,backstage,profiles,filters   (subset)
#
# Environment: SHIM=path (default build/shim), BENCH_PORT (default 18431; the Backstage section
# uses BENCH_PORT + 1).
# Every command runs under `timeout`; every loop is bounded. Results are
# benchmarks: this script exits 0 even when a target is missed; it exits
# non-zero only when it cannot run at all.
# The whole script is one { ... } block, so bash parses it completely before running
# it: editing or checking out this file during a run cannot break the run.
{
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build/bench
RAW=$B/raw
SHIM=${SHIM:-$ROOT/build/shim}
PORT=${BENCH_PORT:-18431}
QUICK=0
ONLY=startup,size,reap,signal,syscall,http,learn,backstage,profiles,filters

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--only) ONLY=$2; shift ;;
	--only=*) ONLY=${1#--only=} ;;
	-h | --help) sed -n '2,14p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument: $1" >&2; exit 64 ;;
	esac
	shift
done
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

if [ "$QUICK" = 1 ]; then
	MODE=quick
	SU_ROUNDS=3 SU_RUNS=20 SU_WARM=3      # startup: hyperfine rounds x runs per command
	RSS_REPS=1
	REAP_REPS=1 REAP_SLEEPS="50"          # max orphan lifetime(s), ms
	SIG_K=50 SIG_ROUNDS=2                 # trials = K x rounds per init
	SC_ROUNDS=3 SC_INNER=3 SC_ITERS=50000 # syscall: runs per config, timed loops per run, calls per loop
	HTTP_ROUNDS=2 HTTP_WARM=1 HTTP_DUR=3
	LEARN_ROUNDS=2 LEARN_RUNS=5
	BS_ROUNDS=2 BS_BUDGET=600             # Backstage: rounds of (enforce, learn), seconds for the section
else
	MODE=full
	SU_ROUNDS=10 SU_RUNS=100 SU_WARM=10
	RSS_REPS=3
	REAP_REPS=3 REAP_SLEEPS="50 0"
	SIG_K=100 SIG_ROUNDS=10
	SC_ROUNDS=9 SC_INNER=5 SC_ITERS=200000
	HTTP_ROUNDS=20 HTTP_WARM=1 HTTP_DUR=4
	LEARN_ROUNDS=5 LEARN_RUNS=20
	BS_ROUNDS=10 BS_BUDGET=1800
fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$B" "$RAW" || die "cannot create $B"
rm -f "$RAW"/*
CMDS=$RAW/commands.txt
: >"$CMDS"
# cmdlog SECTION COUNT COMMAND...: record an exact command (once per distinct command).
cmdlog() {
	local sec=$1 n=$2
	shift 2
	printf '%s\t%s\t%s\n' "$sec" "$n" "$*" >>"$CMDS"
}

# ---------------------------------------------------------------- dependencies
ensure_deps() {
	local missing=() apt_updated=0
	need() { # need TEST PACKAGE
		if ! eval "$1" >/dev/null 2>&1; then missing+=("$2"); fi
	}
	need 'test -x /usr/bin/tini-static' tini
	need 'command -v dumb-init' dumb-init
	need 'command -v catatonit' catatonit
	need 'command -v hyperfine' hyperfine
	need 'command -v wrk' wrk
	need 'command -v musl-gcc' musl-tools
	need 'command -v unshare' util-linux
	need 'command -v taskset' util-linux
	need 'command -v gcc' gcc
	need 'command -v strip' binutils
	need 'test -f /usr/include/seccomp.h' libseccomp-dev
	need 'command -v python3' python3
	need 'command -v node' nodejs
	need 'command -v ps' procps
	need 'command -v pkill' procps
	need 'command -v file' file
	need 'command -v ss' iproute2
	if [ ${#missing[@]} -gt 0 ]; then
		local pkgs
		pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
		log "installing from Debian: $pkgs"
		[ "$(id -u)" = 0 ] || die "not root; install: $pkgs"
		export DEBIAN_FRONTEND=noninteractive
		# shellcheck disable=SC2086
		if ! timeout 600 apt-get install -y --no-install-recommends $pkgs >"$RAW/apt.log" 2>&1; then
			timeout 600 apt-get update >>"$RAW/apt.log" 2>&1
			apt_updated=1
			# shellcheck disable=SC2086
			timeout 600 apt-get install -y --no-install-recommends $pkgs >>"$RAW/apt.log" 2>&1 ||
				die "apt-get install failed (see $RAW/apt.log)"
		fi
		: "$apt_updated"
	fi
}
ensure_deps
[ "$(id -u)" = 0 ] || die "must run as root (PID namespaces, identity drop)"

# -------------------------------------------------------------------- helpers
build_helpers() {
	local f
	for f in floor orphans sigchild sigsend sysloop; do
		timeout 120 musl-gcc -static -O2 -Wall -o "$B/$f" "$ROOT/bench/$f.c" || die "build $f"
		cmdlog build 1 "musl-gcc -static -O2 -Wall -o build/bench/$f bench/$f.c"
	done
	timeout 120 gcc -O2 -Wall -o "$B/scload" "$ROOT/bench/scload.c" -lseccomp || die "build scload"
	cmdlog build 1 "gcc -O2 -Wall -o build/bench/scload bench/scload.c -lseccomp"
	timeout 10 "$B/scload" --emit-json "$B/docker-like.json" || die "scload --emit-json"
	cmdlog build 1 "build/bench/scload --emit-json build/bench/docker-like.json"
	# bench/filters.c, built by the Makefile from the shim's own profile sources
	timeout 600 make -C "$ROOT" -s build/bench/filters >"$RAW/filters_build.log" 2>&1 ||
		die "build build/bench/filters (see $RAW/filters_build.log)"
	cmdlog build 1 "make build/bench/filters"
	(cd "$ROOT" && timeout 60 "$B/filters" --emit-bpf "$B") || die "filters --emit-bpf"
	cmdlog build 1 "build/bench/filters --emit-bpf build/bench   (default-range.bpf, default-libseccomp.bpf)"
}
log "building helpers into build/bench/ ($MODE run)"
build_helpers

# Measure a snapshot: build/shim may be rebuilt while a 10-minute run is going on.
SHIM_SRC=$SHIM
if [ -x "$SHIM" ]; then
	cp "$SHIM" "$B/shim" && chmod 755 "$B/shim" && SHIM=$B/shim
fi
TINI=/usr/bin/tini-static
DUMB=$(command -v dumb-init)
CATA=$(command -v catatonit)
HAVE_SHIM=0
SHIM_NOTE=""
if [ -x "$SHIM" ]; then
	if out=$(timeout 10 "$SHIM" /bin/true 2>&1); then
		HAVE_SHIM=1
	else
		SHIM_NOTE="build/shim present but \`build/shim /bin/true\` failed: $(printf '%s' "$out" | head -c 300)"
		log "$SHIM_NOTE"
	fi
else
	SHIM_NOTE="build/shim not built: shim columns are empty"
	log "$SHIM_NOTE"
fi
# Does the shim load Docker-format JSON profiles (SHIM_SECCOMP=/path.json)?
SHIM_JSON=0
if [ "$HAVE_SHIM" = 1 ] && SHIM_SECCOMP=$B/docker-like.json timeout 10 "$SHIM" /bin/true >/dev/null 2>"$RAW/shim_json.err"; then
	SHIM_JSON=1
fi

# ------------------------------------------------------------------- machine
{
	echo "kernel=$(uname -sr)"
	echo "cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo) x$(nproc)"
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "mode=$MODE"
	echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "shim=$HAVE_SHIM"
	echo "shim_json=$SHIM_JSON"
	echo "shim_note=$SHIM_NOTE"
	echo "versions=tini $(dpkg-query -W -f '${Version}' tini 2>/dev/null), dumb-init $(dpkg-query -W -f '${Version}' dumb-init 2>/dev/null), catatonit $(dpkg-query -W -f '${Version}' catatonit 2>/dev/null), hyperfine $(hyperfine --version | awk '{print $2}'), wrk $(dpkg-query -W -f '${Version}' wrk 2>/dev/null), node $(node --version), musl $(dpkg-query -W -f '${Version}' musl 2>/dev/null), libseccomp $(dpkg-query -W -f '${Version}' libseccomp2 2>/dev/null)"
	echo "shim_src=$SHIM_SRC copied to $SHIM at start, sha256 $( [ -x "$SHIM" ] && sha256sum "$SHIM" | cut -c1-16)"
	echo "shim_version=$( [ -x "$SHIM" ] && timeout 10 "$SHIM" --version 2>/dev/null | tr '\n' ';' | sed 's/;$//')"
	echo "git=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- shim seccomp 2>/dev/null || echo +dirty)"
} >"$RAW/machine.txt"

# --------------------------------------------------------------- 1. startup
run_startup() {
	log "startup: hyperfine, $SU_ROUNDS interleaved rounds x $SU_RUNS runs per command"
	local r names=() cmds=() i
	if [ "$HAVE_SHIM" = 1 ]; then names+=(shim); cmds+=("$SHIM /bin/true"); fi
	names+=(tini-static dumb-init catatonit floor true)
	cmds+=("$TINI -s /bin/true" "$DUMB /bin/true" "$CATA /bin/true" "$B/floor /bin/true" "/bin/true")
	local hf=(hyperfine -N -i --style none --warmup "$SU_WARM" --runs "$SU_RUNS")
	for ((r = 0; r < SU_ROUNDS; r++)); do
		# rotate the order each round so no command always runs first
		local ord=() n=${#cmds[@]}
		for ((i = 0; i < n; i++)); do ord+=("${cmds[(i + r) % n]}"); done
		timeout 600 "${hf[@]}" --export-json "$RAW/startup_a_$r.json" "${ord[@]}" >>"$RAW/startup.log" 2>&1 ||
			log "startup round $r: hyperfine failed"
		if [ "$HAVE_SHIM" = 1 ]; then
			# SHIM_SECCOMP=off for the shim; the floor runs again as in-call reference
			SHIM_SECCOMP=off timeout 600 "${hf[@]}" --export-json "$RAW/startup_b_$r.json" \
				"$SHIM /bin/true" "$B/floor /bin/true" >>"$RAW/startup.log" 2>&1 ||
				log "startup round $r (off): hyperfine failed"
			# the default profile's two programs as files: range (what the shim embeds) vs
			# libseccomp's; each call again with the floor as in-call reference
			local part f
			for part in c d; do
				f=$B/default-range.bpf
				[ $part = d ] && f=$B/default-libseccomp.bpf
				SHIM_SECCOMP=$f timeout 600 "${hf[@]}" --export-json "$RAW/startup_${part}_$r.json" \
					"$SHIM /bin/true" "$B/floor /bin/true" >>"$RAW/startup.log" 2>&1 ||
					log "startup round $r ($f): hyperfine failed"
			done
		fi
	done
	for i in "${!names[@]}"; do printf '%s\t%s\n' "${names[$i]}" "${cmds[$i]}"; done >"$RAW/startup_names.tsv"
	cmdlog startup "$SU_ROUNDS" "timeout 600 ${hf[*]} --export-json build/bench/raw/startup_a_R.json $(printf "'%s' " "${cmds[@]}")"
	if [ "$HAVE_SHIM" = 1 ]; then
		cmdlog startup "$SU_ROUNDS" "SHIM_SECCOMP=off timeout 600 ${hf[*]} --export-json build/bench/raw/startup_b_R.json '$SHIM /bin/true' '$B/floor /bin/true'"
		cmdlog startup "$SU_ROUNDS" "SHIM_SECCOMP=$B/default-range.bpf timeout 600 ${hf[*]} --export-json build/bench/raw/startup_c_R.json '$SHIM /bin/true' '$B/floor /bin/true'"
		cmdlog startup "$SU_ROUNDS" "SHIM_SECCOMP=$B/default-libseccomp.bpf timeout 600 ${hf[*]} --export-json build/bench/raw/startup_d_R.json '$SHIM /bin/true' '$B/floor /bin/true'"
	fi
}

# ------------------------------------------------------------ 2. size, RSS
# find_ns_init PID: host PID of the first descendant of PID (depth <= 3) that
# is PID 1 of a child PID namespace (NSpid has 2+ fields, the last one is 1).
find_ns_init() {
	local try level next p c nsp d
	for ((try = 0; try < 25; try++)); do
		level=$1
		for ((d = 0; d < 3; d++)); do
			next=""
			for p in $level; do
				for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
					nsp=$(awk '/^NSpid:/{print NF-1, $NF}' "/proc/$c/status" 2>/dev/null)
					if [ "$nsp" = "2 1" ]; then echo "$c"; return 0; fi
					next="$next $c"
				done
			done
			level=$next
		done
		sleep 0.2
	done
	return 1
}
run_size() {
	log "size (stripped) and VmRSS as idle PID 1 ($RSS_REPS reps)"
	local name bin tmp=$RAW/strip.tmp
	: >"$RAW/size.tsv"
	while read -r name bin; do
		[ -x "$bin" ] || continue
		timeout 30 strip -o "$tmp" "$bin" 2>/dev/null || cp "$bin" "$tmp"
		printf '%s\t%s\t%s\t%s\n' "$name" "$(stat -c %s "$bin")" "$(stat -c %s "$tmp")" \
			"$(file -b "$bin" 2>/dev/null | grep -Eq 'statically linked|static-pie linked' && echo static || echo dynamic)" >>"$RAW/size.tsv"
	done <<EOF
shim $SHIM
tini-static $TINI
dumb-init $DUMB
catatonit $CATA
floor $B/floor
EOF
	rm -f "$tmp"
	cmdlog size 1 "strip -o TMP BINARY; stat -c %s TMP   (BINARY: $SHIM $TINI $DUMB $CATA $B/floor)"

	: >"$RAW/rss.tsv"
	local rep names=() inits=() i
	if [ "$HAVE_SHIM" = 1 ]; then names+=(shim); inits+=("$SHIM"); fi
	names+=(tini-static dumb-init catatonit floor)
	inits+=("$TINI --" "$DUMB --" "$CATA --" "$B/floor")
	for ((rep = 0; rep < RSS_REPS; rep++)); do
		local pids=()
		for i in "${!inits[@]}"; do
			# shellcheck disable=SC2086
			timeout 20 unshare --pid --fork --mount-proc ${inits[$i]} sleep 5 2>>"$RAW/rss.err" &
			pids+=($!)
		done
		sleep 1.5
		for i in "${!inits[@]}"; do
			local init kb
			init=$(find_ns_init "${pids[$i]}")
			kb=$(awk '/^VmRSS:/{print $2}' "/proc/$init/status" 2>/dev/null)
			if [ -n "$init" ] && [ -n "$kb" ]; then
				printf '%s\t%s\t%s\n' "${names[$i]}" "$rep" "$kb" >>"$RAW/rss.tsv"
			else
				printf '%s\t%s\tFAIL\n' "${names[$i]}" "$rep" >>"$RAW/rss.tsv"
				{ echo "rss: no namespace init below pid ${pids[$i]} (${names[$i]})"; ps -ef --forest; } >>"$RAW/rss.err" 2>&1
			fi
			[ -n "$init" ] && kill -KILL "$init" 2>/dev/null
		done
		wait "${pids[@]}" 2>/dev/null
	done
	cmdlog rss "$RSS_REPS" "timeout 20 unshare --pid --fork --mount-proc INIT sleep 5 &  (INIT: $(printf "'%s' " "${inits[@]}")); after 1.5 s: VmRSS from /proc/<init host pid>/status (NSpid ... 1), then kill -KILL <init>"
}

# ---------------------------------------------------------------- 3. reaping
run_reap() {
	local n=10000 names=() inits=() rep ms i
	if [ "$HAVE_SHIM" = 1 ]; then names+=(shim); inits+=("$SHIM"); fi
	names+=(tini-static dumb-init catatonit)
	inits+=("$TINI --" "$DUMB --" "$CATA --")
	: >"$RAW/reap.tsv"
	for ms in $REAP_SLEEPS; do
		log "reaping: $n orphans, lifetime 0..$ms ms, $REAP_REPS reps per init"
		for ((rep = 0; rep < REAP_REPS; rep++)); do
			local cnt=${#inits[@]}
			for ((j = 0; j < cnt; j++)); do
				i=$(((j + rep) % cnt))
				local t0 t1 out rc hz
				t0=$(date +%s%N)
				# shellcheck disable=SC2086
				out=$(timeout 60 unshare --pid --fork --mount-proc ${inits[$i]} "$B/orphans" $n "$ms" 3000 2>>"$RAW/reap.err")
				rc=$?
				t1=$(date +%s%N)
				hz=$(ps -eo stat= | grep -c '^Z')
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ms" "${names[$i]}" "$rep" "$rc" \
					"$(((t1 - t0) / 1000000))" "$hz" "${out:-none}" >>"$RAW/reap.tsv"
			done
		done
		cmdlog reap "$REAP_REPS" "timeout 60 unshare --pid --fork --mount-proc INIT build/bench/orphans $n $ms 3000  (INIT: $(printf "'%s' " "${inits[@]}"); then ps -eo stat= | grep -c '^Z' on the host)"
	done
}

# ----------------------------------------------------------- 4. signal latency
run_signal() {
	log "signal forwarding: $SIG_ROUNDS rounds x $SIG_K trials per init, interleaved"
	local specs=(direct "$B/sigchild $SIG_K")
	local ns="unshare --pid --fork --mount-proc"
	[ "$HAVE_SHIM" = 1 ] && specs+=(shim "$ns $SHIM $B/sigchild $SIG_K")
	specs+=(tini-static "$ns $TINI -- $B/sigchild $SIG_K"
		dumb-init "$ns $DUMB -- $B/sigchild $SIG_K"
		catatonit "$ns $CATA -- $B/sigchild $SIG_K")
	local bound=$((SIG_ROUNDS * ${#specs[@]} * (SIG_K / 10 + 10) + 60))
	timeout "$bound" "$B/sigsend" "$SIG_K" "$SIG_ROUNDS" 20 "$RAW/signal.csv" "${specs[@]}" 2>>"$RAW/signal.err" ||
		log "signal: sigsend exited $?"
	cmdlog signal 1 "timeout $bound build/bench/sigsend $SIG_K $SIG_ROUNDS 20 build/bench/raw/signal.csv $(printf "'%s' " "${specs[@]}")"
}

# ------------------------------------------------------- 5. seccomp per call
run_syscall() {
	log "seccomp cost per system call: $SC_ROUNDS interleaved runs per config"
	local names=(none) cmds=("$B/sysloop $SC_INNER $SC_ITERS") envs=("")
	if [ "$HAVE_SHIM" = 1 ]; then
		names+=(shim-off shim-default)
		cmds+=("$SHIM $B/sysloop $SC_INNER $SC_ITERS" "$SHIM $B/sysloop $SC_INNER $SC_ITERS")
		envs+=("SHIM_SECCOMP=off" "")
	fi
	names+=(allow-all docker-like-runc)
	cmds+=("$B/scload --allow-all -- $B/sysloop $SC_INNER $SC_ITERS" "$B/scload -- $B/sysloop $SC_INNER $SC_ITERS")
	envs+=("" "")
	if [ "$SHIM_JSON" = 1 ]; then
		names+=(docker-like-shim)
		cmds+=("$SHIM $B/sysloop $SC_INNER $SC_ITERS")
		envs+=("SHIM_SECCOMP=$B/docker-like.json")
	fi
	: >"$RAW/syscall.tsv"
	local r i
	for ((r = 0; r < SC_ROUNDS; r++)); do
		local cnt=${#cmds[@]}
		for ((j = 0; j < cnt; j++)); do
			i=$(((j + r) % cnt))
			# shellcheck disable=SC2086
			env ${envs[$i]} timeout 120 taskset -c 1 ${cmds[$i]} >"$RAW/sys.out" 2>>"$RAW/syscall.err"
			local rc=$?
			awk -v n="${names[$i]}" -v r="$r" -v rc="$rc" '
				/^# Seccomp:/ { sc=$3; nf=$5; next }
				NF==5 { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n, r, $1, $2, $3, sc, nf, rc, $4, $5 }' \
				"$RAW/sys.out" >>"$RAW/syscall.tsv"
			[ -s "$RAW/sys.out" ] || printf '%s\t%s\tFAIL\t\t\t\t\t%s\t\t\n' "${names[$i]}" "$r" "$rc" >>"$RAW/syscall.tsv"
		done
	done
	rm -f "$RAW/sys.out"
	for i in "${!cmds[@]}"; do
		cmdlog syscall "$SC_ROUNDS" "${envs[$i]:+${envs[$i]} }timeout 120 taskset -c 1 ${cmds[$i]}"
	done
	# filter sizes, for the report
	{
		"$B/scload" --info -- /bin/true 2>&1 | sed 's/^/docker-like-runc\t/'
		if [ "$HAVE_SHIM" = 1 ]; then
			printf 'shim-default\t%s (embedded; from `shim --version`)\n' \
				"$(timeout 10 "$SHIM" --version 2>/dev/null | grep -i 'default profile' | head -1)"
			# --compile-profile says what it wrote: "OUT: enforce N instructions, complain M".
			if out=$(timeout 30 "$SHIM" --compile-profile "$B/docker-like.json" "$RAW/docker-like.bpf" 2>/dev/null); then
				printf 'docker-like-shim\t%s BPF instructions enforced (--compile-profile: %s)\n' \
					"$(echo "$out" | sed -n 's/.*: enforce \([0-9]*\) instructions.*/\1/p')" "${out#*: }"
			fi
		fi
	} >"$RAW/filters.tsv"
}

# ------------------------------------------------------------- 6. node HTTP
run_http() {
	local modes=() r m
	if [ "$HAVE_SHIM" = 1 ]; then
		modes=(default off learn)
		# learn mode's output: PID 1 runs as 65532 after the drop
		mkdir -p "$B/learn" && chmod 777 "$B/learn"
	else
		modes=(none docker-like-runc) # harness check until build/shim exists
	fi
	log "node HTTP: $HTTP_ROUNDS rounds x ${modes[*]}, wrk ${HTTP_WARM}s warm-up + ${HTTP_DUR}s"
	if ss -ltn 2>/dev/null | grep -q ":$PORT "; then
		log "port $PORT busy; set BENCH_PORT"
		return
	fi
	: >"$RAW/http.tsv"
	local url=http://127.0.0.1:$PORT/
	for ((r = 0; r < HTTP_ROUNDS; r++)); do
		# rotate the order each round so no mode always runs first
		local ord=() n=${#modes[@]} i
		for ((i = 0; i < n; i++)); do ord+=("${modes[(i + r) % n]}"); done
		for m in "${ord[@]}"; do
			local pre=()
			case $m in
			default) pre=(env "$SHIM") ;;
			off) pre=(env SHIM_SECCOMP=off "$SHIM") ;;
			learn) pre=(env SHIM_SECCOMP_MODE=learn SHIM_LEARN_FILE="$B/learn/http.json" "$SHIM") ;;
			none) pre=(env) ;;
			docker-like-runc) pre=(env "$B/scload" --) ;;
			esac
			local out=$RAW/node.out
			: >"$out"
			# every learn round learns from scratch (an existing file would be merged)
			[ "$m" = learn ] && rm -f "$B/learn/http.json" "$B/learn/http.json.review.json"
			timeout $((HTTP_WARM + HTTP_DUR + 60)) taskset -c 1 "${pre[@]}" node "$ROOT/bench/server.js" "$PORT" >"$out" 2>&1 &
			local tp=$! k
			for ((k = 0; k < 200; k++)); do
				grep -q listening "$out" && break
				sleep 0.05
			done
			if ! grep -q listening "$out"; then
				printf '%s\t%s\tFAIL\tno_listen:%s\n' "$r" "$m" "$(head -c 200 "$out" | tr '\t\n' '  ')" >>"$RAW/http.tsv"
				kill -TERM "$tp" 2>/dev/null
				wait "$tp" 2>/dev/null
				continue
			fi
			if [ "$r" = 0 ]; then
				local np
				np=$(pgrep -n -x node)
				{
					printf '%s\t' "$m"
					awk '/^(Uid|Seccomp|Seccomp_filters|NoNewPrivs):/{printf "%s %s  ", $1, $2}' "/proc/$np/status" 2>/dev/null
					ss -ltnp 2>/dev/null | awk -v p=":$PORT" '$4 ~ p {printf "listen %s", $4}'
					echo
				} >>"$RAW/http_status.tsv"
			fi
			timeout $((HTTP_WARM + 30)) taskset -c 0 wrk -t1 -c32 -d"${HTTP_WARM}s" "$url" >/dev/null 2>&1
			timeout $((HTTP_DUR + 30)) taskset -c 0 wrk -t1 -c32 -d"${HTTP_DUR}s" --latency "$url" >"$RAW/wrk_${r}_$m.txt" 2>&1
			local rps errs
			rps=$(awk '/^Requests\/sec:/{print $2}' "$RAW/wrk_${r}_$m.txt")
			errs=$(grep -E 'Socket errors|Non-2xx' "$RAW/wrk_${r}_$m.txt" | tr '\n' ' ')
			printf '%s\t%s\t%s\t%s\n' "$r" "$m" "${rps:-FAIL}" "$errs" >>"$RAW/http.tsv"
			# stop: TERM to the top process (shim forwards it to node)
			pkill -TERM -P "$tp" 2>/dev/null
			for ((k = 0; k < 100; k++)); do
				kill -0 "$tp" 2>/dev/null || break
				sleep 0.05
			done
			kill -KILL "$tp" 2>/dev/null
			wait "$tp" 2>/dev/null
			if [ "$m" = learn ]; then
				printf '%s\t%s\n' "$r" "$(grep -h 'shim: learn: wrote' "$out" | tail -n 1)" >>"$RAW/http_learn.tsv"
				[ -s "$B/learn/http.json" ] && cp "$B/learn/http.json" "$RAW/learned_http.json"
			fi
		done
	done
	rm -f "$RAW/node.out"
	for m in "${modes[@]}"; do
		case $m in
		default) cmdlog http "$HTTP_ROUNDS" "timeout $((HTTP_WARM + HTTP_DUR + 60)) taskset -c 1 $SHIM node bench/server.js $PORT" ;;
		off) cmdlog http "$HTTP_ROUNDS" "SHIM_SECCOMP=off timeout $((HTTP_WARM + HTTP_DUR + 60)) taskset -c 1 $SHIM node bench/server.js $PORT" ;;
		learn) cmdlog http "$HTTP_ROUNDS" "rm -f build/bench/learn/http.json build/bench/learn/http.json.review.json; SHIM_SECCOMP_MODE=learn SHIM_LEARN_FILE=build/bench/learn/http.json timeout $((HTTP_WARM + HTTP_DUR + 60)) taskset -c 1 $SHIM node bench/server.js $PORT" ;;
		none) cmdlog http "$HTTP_ROUNDS" "timeout $((HTTP_WARM + HTTP_DUR + 60)) taskset -c 1 node bench/server.js $PORT" ;;
		docker-like-runc) cmdlog http "$HTTP_ROUNDS" "timeout $((HTTP_WARM + HTTP_DUR + 60)) taskset -c 1 build/bench/scload -- node bench/server.js $PORT" ;;
		esac
	done
	cmdlog http "$HTTP_ROUNDS" "timeout $((HTTP_WARM + 30)) taskset -c 0 wrk -t1 -c32 -d${HTTP_WARM}s $url  (warm-up, discarded)"
	cmdlog http "$HTTP_ROUNDS" "timeout $((HTTP_DUR + 30)) taskset -c 0 wrk -t1 -c32 -d${HTTP_DUR}s --latency $url"
}

# ------------------------------------------------- 7. learn mode: node startup
# `node -e 0` under the shim in enforce and in learn mode (a fresh profile each
# run: every call node makes at startup is learned, the worst case).
run_learn() {
	[ "$HAVE_SHIM" = 1 ] || return
	mkdir -p "$B/learn" && chmod 777 "$B/learn"
	# --prepare: the learned file is deleted before every run (an existing one would be merged)
	local prep="rm -f $B/learn/startup.json $B/learn/startup.json.review.json"
	local hf=(hyperfine -N -i --style none --warmup 2 --runs "$LEARN_RUNS" --prepare "$prep") r
	local enf="$SHIM node -e 0" lrn="env SHIM_SECCOMP_MODE=learn SHIM_LEARN_FILE=$B/learn/startup.json $SHIM node -e 0"
	log "learn: node startup, $LEARN_ROUNDS rounds x $LEARN_RUNS runs, enforce vs learn"
	for ((r = 0; r < LEARN_ROUNDS; r++)); do
		local ord=("$enf" "$lrn")
		[ $((r % 2)) = 1 ] && ord=("$lrn" "$enf")
		timeout 600 taskset -c 1 "${hf[@]}" --export-json "$RAW/learn_startup_$r.json" "${ord[@]}" >>"$RAW/learn.log" 2>&1 ||
			log "learn round $r: hyperfine failed"
	done
	# what one learned startup looks like
	rm -f "$B/learn/startup.json" "$B/learn/startup.json.review.json"
	env SHIM_SECCOMP_MODE=learn SHIM_LEARN_FILE="$B/learn/startup.json" timeout 60 "$SHIM" node -e 0 2>"$RAW/learn_summary.txt"
	cmdlog learn "$LEARN_ROUNDS" "timeout 600 taskset -c 1 ${hf[*]:0:10} '$prep' --export-json build/bench/raw/learn_startup_R.json '$enf' '$lrn'"
}

# ------------------------------------- 9. learn mode: Backstage time to ready
# bench/backstage.sh: the e2e test's Backstage backend under runc (tests/e2e/backstagelib.sh), booted
# BS_ROUNDS times each in enforce and learn mode, alternating; skipped, with the reason, when runc or
# the app cannot be had within BS_BUDGET seconds.
run_backstage() {
	if [ "$HAVE_SHIM" != 1 ]; then
		printf 'status=skipped\nnote=build/shim not built\n' >"$RAW/backstage.txt"
		return
	fi
	log "backstage: $BS_ROUNDS rounds x (enforce, learn) under runc, at most $BS_BUDGET s"
	E2E_BACKSTAGE_PORT=$((PORT + 1)) SHIM_BIN=$SHIM BS_NPM_LIMIT=$((BS_BUDGET - 240)) timeout -k 30 "$BS_BUDGET" \
		bash "$ROOT/bench/backstage.sh" "$RAW" "$BS_ROUNDS" >"$RAW/backstage.log" 2>&1
	local rc=$? ph
	if ! grep -qx 'status=ok\|status=skipped' "$RAW/backstage.txt" 2>/dev/null; then
		ph=$(sed -n 's/^phase=//p' "$RAW/backstage.txt" 2>/dev/null)
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			printf 'status=skipped\nnote=the section ran out of its %s s (while: %s)\n' "$BS_BUDGET" "${ph:-starting}"
		else
			printf 'status=skipped\nnote=bench/backstage.sh exited %s (while: %s; see build/bench/raw/backstage.log)\n' "$rc" "${ph:-starting}"
		fi >"$RAW/backstage.txt"
	fi
	log "backstage: $(sed -n 's/^status=//p' "$RAW/backstage.txt") $(sed -n 's/^note=//p' "$RAW/backstage.txt")"
	cmdlog backstage 1 "E2E_BACKSTAGE_PORT=$((PORT + 1)) SHIM_BIN=$SHIM BS_NPM_LIMIT=$((BS_BUDGET - 240)) timeout -k 30 $BS_BUDGET bash bench/backstage.sh build/bench/raw $BS_ROUNDS   (runc run of tests/e2e's Backstage bundle, args $(sed -n "s/^SHIM_ARGS='\(.*\)'$/\1/p" "$ROOT/tests/e2e/backstagelib.sh"); learn: + SHIM_SECCOMP_MODE=learn SHIM_LEARN_FILE=/learn/backstage.json, deleted before each learn boot)"
}

# ------------------------------------ 10. learned profiles: BPF instructions
# The profiles learned in this run (the http and backstage sections' last learn run, and one learned
# here from tests/fixtures/node-workload.js) against the default: `shim --compile-profile` says how
# many instructions each program has and which emitter made it; summarize.py counts the argument rules.
run_profiles() {
	[ "$HAVE_SHIM" = 1 ] || return
	mkdir -p "$B/learn" && chmod 777 "$B/learn"
	log "profiles: learned profiles against the default (--compile-profile)"
	rm -f "$B/learn/workload.json" "$B/learn/workload.json.review.json"
	env SHIM_SECCOMP_MODE=learn SHIM_LEARN_FILE="$B/learn/workload.json" timeout 120 "$SHIM" node "$ROOT/tests/fixtures/node-workload.js" >"$RAW/workload.out" 2>&1
	printf 'workload\t%s\t%s\n' "$(grep -c '^workload ok$' "$RAW/workload.out")" "$(grep -h 'shim: learn: wrote' "$RAW/workload.out" | tail -n 1)" >"$RAW/workload_learn.tsv"
	[ -s "$B/learn/workload.json" ] && cp "$B/learn/workload.json" "$RAW/learned_workload.json"
	cp "$ROOT/seccomp/default.json" "$RAW/default.json"
	: >"$RAW/profiles.tsv"
	local name f out
	for name in default learned_http learned_backstage learned_workload; do
		f=$RAW/$name.json
		if [ ! -s "$f" ]; then
			printf '%s\t\tabsent\n' "$name" >>"$RAW/profiles.tsv"
			continue
		fi
		out=$(timeout 30 "$SHIM" --compile-profile "$f" "$RAW/$name.bpf" 2>&1)
		printf '%s\t%s.json\t%s\n' "$name" "$name" "$(printf '%s' "$out" | tr '\t\n' '  ')" >>"$RAW/profiles.tsv"
	done
	cmdlog profiles 1 "rm -f build/bench/learn/workload.json*; SHIM_SECCOMP_MODE=learn SHIM_LEARN_FILE=build/bench/learn/workload.json timeout 120 $SHIM node tests/fixtures/node-workload.js"
	cmdlog profiles 1 "timeout 30 $SHIM --compile-profile build/bench/raw/NAME.json build/bench/raw/NAME.bpf   (NAME: default = seccomp/default.json, learned_http, learned_backstage, learned_workload)"
}

# 8. The range program against libseccomp's for the same profiles (bench/filters.c):
# instruction counts, install cost alone, denied and argument-checked calls.
run_filters() {
	local runs=300 rounds=9
	[ "$QUICK" = 1 ] && runs=50 rounds=3
	log "filters: range vs libseccomp programs, $runs installs and $rounds call rounds per program"
	# built by the Makefile from the shim's own profile sources (make bench builds it first)
	(cd "$ROOT" && timeout 900 taskset -c 1 "$B/filters" "$runs" "$rounds" "$RAW/filters_raw.tsv") >"$RAW/filters.md" 2>"$RAW/filters.err" ||
		{ log "filters: build/bench/filters failed: $(head -c 300 "$RAW/filters.err")"; rm -f "$RAW/filters.md" "$RAW/filters_raw.tsv"; }
	cmdlog filters 1 "timeout 900 taskset -c 1 build/bench/filters $runs $rounds build/bench/raw/filters_raw.tsv"
}

START=$(date +%s)
want startup && run_startup
want size && run_size
want reap && run_reap
want signal && run_signal
want syscall && run_syscall
want http && run_http
want learn && run_learn
want backstage && run_backstage
want profiles && run_profiles
want filters && run_filters
{
	echo "elapsed_s=$(($(date +%s) - START))"
	echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$RAW/machine.txt"

timeout 120 python3 "$ROOT/bench/summarize.py" "$RAW" >"$B/results.md" || die "summarize.py failed"
cat "$B/results.md"
log "report written to build/bench/results.md (raw data in build/bench/raw/)"
exit 0
}
