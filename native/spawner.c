/* `wharf-exec spawner`: a long-lived tiny parent for monitors. Forking this ~100 kB process
 * costs microseconds; forking the daemon (what spawning the executor from Node does) copies its
 * page tables and blocks its event loop for milliseconds on every container start.
 *
 * Requests arrive on fd 3 (u32le length + body, see PROTOCOL.md). For each, a child is forked
 * that takes its stdio from fds of the requesting process (reopened through /proc/<pid>/fd),
 * connects to the requester's unix socket, says "hello <token> <pid>" and becomes a monitor
 * (monitor_main) with that connection as its control channel. Failures before that are reported
 * on fd 3 as "failed <token> <errno> <what>". EOF on fd 3 ends the spawner; monitors live on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "wharf.h"

#define SPAWN_SETSID 1u

typedef struct { const uint8_t *p, *end; int bad; } rd_t;

static uint32_t u32(rd_t *r) {
  if (r->end - r->p < 4) { r->bad = 1; return 0; }
  uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
  r->p += 4;
  return v;
}

static const char *str(rd_t *r) {
  uint32_t n = u32(r);
  if (r->bad || (size_t)(r->end - r->p) < (size_t)n + 1 || r->p[n] != 0) { r->bad = 1; return ""; }
  const char *s = (const char *)r->p;
  r->p += n + 1;
  return s;
}

static void report(const char *token, int err, const char *what) {
  char line[512];
  int n = snprintf(line, sizeof line, "failed %s %d %s\n", token, err, what);
  if (n > 0) (void)!write(CONTROL_FD, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
}

/* The access mode (and O_APPEND) the requester opened its fd with (fdinfo "flags:" is octal). */
static int access_mode(unsigned pid, unsigned fd) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%u/fdinfo/%u", pid, fd);
  int f = open(path, O_RDONLY | O_CLOEXEC);
  if (f < 0) return -1;
  ssize_t n = read(f, buf, sizeof buf - 1);
  close(f);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *flags = strstr(buf, "flags:");
  if (!flags) return -1;
  return (int)(strtoul(flags + 6, NULL, 8) & (O_ACCMODE | O_APPEND));
}

/* stdio slot i: kind 0 = /dev/null, 1 = the requester's fd `fd` of process `pid`. */
static int open_stdio(int i, unsigned kind, unsigned pid, unsigned fd) {
  int nfd;
  if (kind == 0) {
    nfd = open("/dev/null", O_RDWR);
  } else {
    int mode = access_mode(pid, fd);
    if (mode < 0) return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%u/fd/%u", pid, fd);
    /* A read-only open of a fifo would wait for a writer (the requester may have none right
     * now): open non-blocking, then make the fd blocking as the original. */
    int ro = (mode & O_ACCMODE) == O_RDONLY;
    nfd = open(path, mode | O_NOCTTY | (ro ? O_NONBLOCK : 0));
    if (nfd >= 0 && ro) fcntl(nfd, F_SETFL, fcntl(nfd, F_GETFL) & ~O_NONBLOCK);
  }
  if (nfd < 0) return -1;
  if (nfd != i) {
    if (dup2(nfd, i) < 0) return -1;
    close(nfd);
  }
  return 0;
}

static int connect_to(const char *path) {
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof sa.sun_path) { errno = ENAMETOOLONG; return -1; }
  strcpy(sa.sun_path, path);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) return -1;
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) { int e = errno; close(s); errno = e; return -1; }
  return s;
}

/* In the forked child: stdio, session, control connection; then it is a monitor. */
static int become_monitor(const char *sock, const char *token, uint32_t flags, const uint32_t io[9]) {
  struct sigaction dfl = { .sa_handler = SIG_DFL };
  sigaction(SIGCHLD, &dfl, NULL); /* the monitor reaps its init itself */
  alarm(10); /* never hang here unseen: the requester gives up after 10 s too */
  if ((flags & SPAWN_SETSID) && setsid() < 0) { report(token, errno, "setsid"); return 125; }
  for (int i = 0; i < 3; i++) {
    if (open_stdio(i, io[i * 3], io[i * 3 + 1], io[i * 3 + 2]) < 0) {
      char what[32];
      snprintf(what, sizeof what, "stdio-%d", i);
      report(token, errno, what);
      return 125;
    }
  }
  int s = connect_to(sock);
  if (s < 0) { report(token, errno, "connect"); return 125; }
  char hello[160];
  int n = snprintf(hello, sizeof hello, "hello %s %d\n", token, (int)getpid());
  if (n <= 0 || write(s, hello, (size_t)n) != n) { report(token, errno, "hello"); return 125; }
  if (dup2(s, CONTROL_FD) < 0) return 125;
  close(s);
  alarm(0);
  return monitor_main();
}

int spawner_main(void) {
  struct sigaction nowait = { .sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT };
  sigaction(SIGCHLD, &nowait, NULL); /* monitors report their exits themselves */
  signal(SIGPIPE, SIG_IGN);
  if (chdir("/") < 0) return 1;
  /* Nothing of the daemon's but the request channel reaches the monitors. */
  for (int fd = CONTROL_FD + 1; fd < 1024; fd++) close(fd);
  static uint8_t buf[8192];
  for (;;) {
    uint8_t hdr[4];
    if (read_full(CONTROL_FD, hdr, 4) < 0) return 0; /* the daemon is gone */
    uint32_t len = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    if (len > sizeof buf || read_full(CONTROL_FD, buf, len) < 0) return 1;
    rd_t r = { buf, buf + len, 0 };
    const char *token = str(&r);
    const char *sock = str(&r);
    uint32_t flags = u32(&r), io[9];
    for (int i = 0; i < 9; i++) io[i] = u32(&r);
    if (r.bad || r.p != r.end || !*token) { report(*token ? token : "-", EINVAL, "malformed-request"); continue; }
    pid_t pid = fork();
    if (pid < 0) { report(token, errno, "fork"); continue; }
    if (pid == 0) _exit(become_monitor(sock, token, flags, io));
  }
}
