#!/usr/bin/env python3
"""bench/ab.py RUNS CMD...: start-up A/B with per-run interleaving, for small differences.

Every round runs each command once, in a fresh random order, so load drifting on a
shared machine hits all commands alike (bench/run.sh interleaves whole hyperfine calls).
Per run: wall time (posix_spawn to wait4) and CPU time (wait4's rusage, user+sys, which
includes every child the command waited for). A command may start with VAR=value words
for its environment. stderr of the commands goes to /dev/null; a non-zero exit stops the
run. Prints a markdown table of medians and ratios to the first command (the floor).

  python3 bench/ab.py 500 'build/bench/floor /bin/true' 'build/shim /bin/true' \\
      'SHIM_SECCOMP=off build/shim /bin/true'
"""
import os
import random
import statistics as st
import sys
import time


def parse(cmd):
    words, env = cmd.split(), dict(os.environ)
    while words and '=' in words[0] and not words[0].startswith('/'):
        k, v = words.pop(0).split('=', 1)
        env[k] = v
    return words, env


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs, cmds = int(sys.argv[1]), sys.argv[2:]
    parsed = [parse(c) for c in cmds]
    devnull = os.open(os.devnull, os.O_WRONLY)
    wall = [[] for _ in cmds]
    cpu = [[] for _ in cmds]

    def run(i, keep=True):
        argv, env = parsed[i]
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, ru = os.wait4(pid, 0)
        t1 = time.perf_counter_ns()
        if status:
            sys.exit(f"{cmds[i]}: wait status {status}")
        if keep:
            wall[i].append((t1 - t0) / 1e6)
            cpu[i].append((ru.ru_utime + ru.ru_stime) * 1e3)

    load0 = os.getloadavg()
    for i in range(len(cmds)):  # warm-up
        for _ in range(3):
            run(i, keep=False)
    for _ in range(runs):
        order = list(range(len(cmds)))
        random.shuffle(order)
        for i in order:
            run(i)
    load1 = os.getloadavg()
    print(f"{runs} runs per command, interleaved; load average {load0[0]:.2f} at start, {load1[0]:.2f} at end\n")
    print("| command | wall ms: median | wall: ratio to first | CPU ms (user+sys): median | CPU: ratio to first (medians) |")
    print("|---|---|---|---|---|")
    w0, c0 = st.median(wall[0]), st.median(cpu[0])
    for i, c in enumerate(cmds):
        w, u = st.median(wall[i]), st.median(cpu[i])
        print(f"| `{c}` | {w:.3f} | {w / w0:.3f} | {u:.3f} | {u / c0:.3f} |")


if __name__ == "__main__":
    main()
