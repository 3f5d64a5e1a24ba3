/* tests/e2e/cri.sh's sandbox (pause) image, built here so nothing is pulled: PID 1 of the pod's
 * shared namespaces. It sleeps, reaps what is re-parented to it (shareProcessNamespace) and exits 0 on
 * TERM or INT, as Kubernetes' pause does. */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void stop(int sig)
{
	(void)sig;
	_exit(0);
}

int main(void)
{
	struct sigaction a = { .sa_handler = stop };
	if (sigaction(SIGINT, &a, NULL) || sigaction(SIGTERM, &a, NULL))
		return 1;
	a.sa_handler = reap;
	a.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	if (sigaction(SIGCHLD, &a, NULL))
		return 1;
	for (;;)
		pause();
}
