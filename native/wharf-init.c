/*
 * wharf-init: the minimal init `docker run --init` puts at PID 1 (bound at /sbin/docker-init).
 *
 *   docker-init [--] command [args...]
 *
 * Like tini: runs the command as its only direct child (in its own process group, made the
 * terminal's foreground group when there is one), forwards every signal it receives to that child,
 * reaps every zombie re-parented to it, and exits with the child's exit code, or 128+signal when the
 * child was killed. All signals stay blocked in the init and are taken with sigtimedwait, so even as
 * PID 1 of a pid namespace (where default-action signals would be dropped) it sees them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void) {
    fprintf(stderr, "usage: docker-init [--] command [args...]\n");
    exit(1);
}

/* Child side: own process group in the foreground of the tty, signals as the user expects. */
static void exec_child(char **argv, const sigset_t *orig) {
    if (setpgid(0, 0) == 0 && isatty(STDIN_FILENO)) {
        signal(SIGTTOU, SIG_IGN); /* tcsetpgrp from a background group would stop us */
        (void)tcsetpgrp(STDIN_FILENO, getpgrp());
        signal(SIGTTOU, SIG_DFL);
    }
    sigprocmask(SIG_SETMASK, orig, NULL);
    execvp(argv[0], argv);
    int err = errno;
    fprintf(stderr, "docker-init: exec %s: %s\n", argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
}

/* Reaps every exited child; returns 1 when the main child was among them (status in *status). */
static int reap(pid_t child, int *status) {
    int found = 0;
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0) break; /* 0: none left exited; -1/ECHILD: no children at all */
        if (pid == child) {
            *status = st;
            found = 1;
        }
    }
    return found;
}

int main(int argc, char **argv) {
    int first = 1;
    if (first < argc && strcmp(argv[first], "--") == 0) first++;
    if (first >= argc) usage();

    sigset_t all, orig;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &orig);
    /* Not PID 1 (e.g. --pid host): still reap what our descendants orphan. */
    if (getpid() != 1) (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    pid_t child = fork();
    if (child < 0) {
        perror("docker-init: fork");
        return 1;
    }
    if (child == 0) exec_child(argv + first, &orig);

    struct timespec tick = {1, 0};
    int status = 0;
    for (;;) {
        siginfo_t info;
        int sig = sigtimedwait(&all, &info, &tick);
        if (sig > 0 && sig != SIGCHLD) {
            /* Faults cannot come from here; everything else goes to the child. */
            if (kill(child, sig) != 0 && errno != ESRCH) perror("docker-init: kill");
        }
        /* Reap on SIGCHLD and on every timeout, in case a SIGCHLD was coalesced. */
        if (reap(child, &status)) break;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}
