/* floor: the least an entrypoint can do - fork, exec argv[1..], wait, return the
 * child's status. No signal forwarding, no reaping of orphans. Used as the
 * startup floor ("ratio to floor") and as an idle-PID-1 size/RSS reference.
 * Build: musl-gcc -static -O2 -o build/bench/floor bench/floor.c */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int st;
	pid_t pid;

	if (argc < 2) {
		fputs("usage: floor COMMAND [ARG...]\n", stderr);
		return 64;
	}
	pid = fork();
	if (pid < 0)
		return 111;
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}
