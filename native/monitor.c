/* The executor process: reads the plan, joins namespaces, clones the container init, then stays
 * as its tiny parent: forwards control messages, relays the pty, reaps and reports the exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "wharf.h"

#define CLONE_NEWTIME_ 0x80
#define CLONE_INTO_CGROUP_ 0x200000000ULL
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* struct clone_args of clone3(2), up to the cgroup field (kernel 5.7). */
struct clone_args_ {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

enum { ST_SETUP, ST_WAIT_START, ST_WAIT_FIFO, ST_STARTED };

static int control_ok = 1;      /* fd 3 still writable */
static pid_t child = -1;
static int state = ST_SETUP;
static int failed = 0, exec_pending = 0;
static int master = -1, master_eof = 0, stdin_eof = 0, out_dead = 0, eof_sends_eot = 1;
static char inbuf[4096];
static size_t inlen = 0, inoff = 0;
static int pend_rows = -1, pend_cols = -1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  if (!control_ok) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  for (int off = 0; off < n; ) {
    ssize_t w = write(CONTROL_FD, line + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { control_ok = 0; return; } /* Node went away: keep monitoring, stop talking */
    off += (int)w;
  }
}

int read_full(int fd, void *buf, size_t len) {
  for (size_t off = 0; off < len; ) {
    ssize_t n = read(fd, (char *)buf + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    off += (size_t)n;
  }
  return 0;
}

static void write_all(int fd, const char *buf, size_t len) {
  while (len && !out_dead) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { out_dead = 1; return; } /* keep draining the pty so the container never blocks */
    buf += n;
    len -= (size_t)n;
  }
}

/* Status file for a daemon restarted after our parent died: tmp + rename. No fsync: it outlives
 * a crash of the daemon (page cache), a machine crash ends the container anyway, and fsync
 * costs ~10 ms on every container exit that delete then waits for. */
static void write_status(int dirfd, const char *base, int status) {
  if (dirfd < 0) return;
  char tmp[300], body[200];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  if (WIFSIGNALED(status))
    snprintf(body, sizeof body, "{\"pid\":%d,\"code\":null,\"signal\":%d,\"finishedAt\":%lld}\n", child, WTERMSIG(status), ms);
  else
    snprintf(body, sizeof body, "{\"pid\":%d,\"code\":%d,\"signal\":null,\"finishedAt\":%lld}\n", child, WEXITSTATUS(status), ms);
  snprintf(tmp, sizeof tmp, ".%.200s.%d.tmp", base, (int)getpid());
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  int ok = write(fd, body, strlen(body)) == (ssize_t)strlen(body);
  close(fd);
  if (!ok || renameat(dirfd, tmp, dirfd, base) < 0) unlinkat(dirfd, tmp, 0);
}

static int open_status_dir(const char *path, const char **base) {
  if (!*path) return -1;
  const char *slash = strrchr(path, '/');
  *base = slash ? slash + 1 : path;
  if (!slash) return open(".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
  return open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
}

/* Host paths (console socket, exec fifo) are opened before any namespace is joined. */
static int preopen(plan_t *plan) {
  for (uint32_t i = 0; i < plan->nops; i++) {
    op_t *op = &plan->ops[i];
    if (op->code == OP_PTY && *op->s[0]) {
      struct sockaddr_un sa = { .sun_family = AF_UNIX };
      if (strlen(op->s[0]) >= sizeof sa.sun_path) { errno = ENAMETOOLONG; goto fail; }
      strcpy(sa.sun_path, op->s[0]);
      op->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (op->fd < 0 || connect(op->fd, (struct sockaddr *)&sa, sizeof sa) < 0) goto fail;
    } else if (op->code == OP_OPEN_FIFO) {
      op->fd = open(op->s[0], O_PATH | O_CLOEXEC);
      if (op->fd < 0) goto fail;
    }
    continue;
  fail:
    say("error child %u %d %s %s", i, errno, op_name(op->code), op->s[0]);
    return -1;
  }
  return 0;
}

static void apply_winsize(void) {
  if (master < 0 || pend_rows < 0) return;
  struct winsize ws = { .ws_row = (unsigned short)pend_rows, .ws_col = (unsigned short)pend_cols };
  ioctl(master, TIOCSWINSZ, &ws);
}

static void send_child(int sync_fd, char c) {
  if (sync_fd >= 0) send(sync_fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Control records after the plan: small, parsed from a rolling buffer. */
static uint8_t cbuf[4096];
static size_t clen = 0;

static void on_control(int *ctl, int sync_fd) {
  ssize_t n = read(*ctl, cbuf + clen, sizeof cbuf - clen);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    /* TypeScript is gone. A container still being set up or waiting for `start` can never
     * start now; one waiting on its fifo (CLI create) or running is left alone. */
    *ctl = -1;
    if (state == ST_SETUP || state == ST_WAIT_START) kill(child, SIGKILL);
    return;
  }
  clen += (size_t)n;
  while (clen >= 5) {
    uint32_t len = cbuf[0] | cbuf[1] << 8 | cbuf[2] << 16 | (uint32_t)cbuf[3] << 24;
    if (len < 1 || len > sizeof cbuf - 4) { clen = 0; return; }
    if (clen < 4 + len) return;
    uint8_t kind = cbuf[4];
    const uint8_t *b = cbuf + 5;
    uint32_t a0 = len >= 5 ? (b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24) : 0;
    uint32_t a1 = len >= 9 ? (b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24) : 0;
    if (kind == MSG_CONTINUE) send_child(sync_fd, PM_CONTINUE);
    else if (kind == MSG_START) send_child(sync_fd, PM_START);
    else if (kind == MSG_RESIZE) { pend_rows = (int)a0; pend_cols = (int)a1; apply_winsize(); }
    else if (kind == MSG_KILL) kill(child, (int)a0);
    memmove(cbuf, cbuf + 4 + len, clen - 4 - len);
    clen -= 4 + len;
  }
}

/* Returns 1 after a message, 0 at EOF (socket to close), -1 when nothing is queued. */
static int on_sync(int sync_fd) {
  child_msg_t m;
  char cmsgbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { &m, sizeof m };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cmsgbuf, .msg_controllen = sizeof cmsgbuf };
  memset(&m, 0, sizeof m);
  ssize_t n = recvmsg(sync_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return -1;
  if (n <= 0) {
    if (exec_pending && !failed) { state = ST_STARTED; say("started"); }
    return 0;
  }
  m.detail[sizeof m.detail - 1] = 0;
  switch (m.kind) {
  case CM_ERROR: failed = 1; say("error child %d %d %s", m.index, m.err, m.detail); break;
  case CM_READY: state = m.err ? ST_WAIT_FIFO : ST_WAIT_START; say("ready"); break;
  case CM_EXEC: exec_pending = 1; break;
  case CM_PTY: {
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_type == SCM_RIGHTS) {
      memcpy(&master, CMSG_DATA(c), sizeof master);
      fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
      apply_winsize();
    }
    break;
  }
  }
  return 1;
}

static void pump_master(void) {
  char buf[8192];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { master_eof = 1; return; } /* EIO: every slave fd is closed */
    write_all(1, buf, (size_t)n);
  }
}

static void pump_stdin(void) {
  if (inoff == inlen) {
    ssize_t n = read(0, inbuf, sizeof inbuf);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) { /* forward EOF as the VEOF char (^D), unless stdin is held */
      stdin_eof = 1;
      if (!eof_sends_eot) { inoff = inlen = 0; return; }
      inbuf[0] = 4;
      n = 1;
    }
    inoff = 0;
    inlen = (size_t)n;
  }
  ssize_t w = write(master, inbuf + inoff, inlen - inoff);
  if (w > 0) inoff += (size_t)w;
  else if (w < 0 && errno != EAGAIN && errno != EINTR) { inoff = inlen; stdin_eof = 1; }
}

/* Host-side mounts made by pre ops (the container's rootfs), undone when the init has exited. */
static const char *host_mounts[8];
static int nhost_mounts = 0, host_mnt_ns = -1, left_host_mnt_ns = 0;
/* clone-into-cgroup: the init is born in this cgroup2 directory (no migration afterwards). */
static int clone_cgroup_fd = -1;

static void undo_host_mounts(void) {
  if (left_host_mnt_ns && host_mnt_ns >= 0) setns(host_mnt_ns, CLONE_NEWNS);
  while (nhost_mounts > 0) {
    const char *target = host_mounts[--nhost_mounts];
    if (umount2(target, 0) < 0) umount2(target, MNT_DETACH); /* busy: detach lazily */
  }
}

/* Pre ops, in the host's namespaces before clone: mounts (and the chdir they may need for
 * relative overlay paths), then setns into namespaces to join. */
static int run_pre(const plan_t *plan) {
  for (uint32_t i = 0; i < plan->npre; i++) {
    const op_t *op = &plan->pre[i];
    int rc = 0;
    if (op->code == OP_MOUNT) {
      if (nhost_mounts == (int)(sizeof host_mounts / sizeof *host_mounts)) { errno = E2BIG; rc = -1; }
      else if (host_mnt_ns < 0) host_mnt_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
      if (rc == 0) rc = mount(*op->s[0] ? op->s[0] : NULL, op->s[1], *op->s[2] ? op->s[2] : NULL, op->u[0], *op->s[3] ? op->s[3] : NULL);
      if (rc == 0) host_mounts[nhost_mounts++] = op->s[1];
    } else if (op->code == OP_CHDIR) {
      rc = chdir(op->s[0]);
    } else if (op->code == OP_CLONE_INTO_CGROUP) {
      clone_cgroup_fd = open(op->s[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      rc = clone_cgroup_fd < 0 ? -1 : 0;
    } else {
      int fd = open(op->s[0], O_RDONLY | O_CLOEXEC);
      rc = fd < 0 ? -1 : setns(fd, (int)op->u[0]);
      if (rc == 0 && (op->u[0] == CLONE_NEWNS || op->u[0] == 0)) left_host_mnt_ns = 1;
      if (fd >= 0) close(fd);
    }
    if (rc < 0) {
      int err = errno;
      say("error pre %u %d %s %s", i, err, op_name(op->code), op->code == OP_MOUNT ? op->s[1] : op->s[0]);
      undo_host_mounts();
      return -1;
    }
  }
  return 0;
}

int monitor_main(void) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  fcntl(CONTROL_FD, F_SETFD, FD_CLOEXEC);
  uint8_t hdr[5];
  if (read_full(CONTROL_FD, hdr, 5) < 0 || hdr[4] != MSG_PLAN) { say("error setup -1 %d no plan record", EINVAL); return 125; }
  uint32_t len = (hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24) - 1;
  uint8_t *buf = malloc(len ? len : 1);
  plan_t plan;
  if (!buf || read_full(CONTROL_FD, buf, len) < 0 || plan_decode(buf, len, &plan) < 0) {
    say("error setup -1 %d malformed plan", EINVAL);
    return 125;
  }
  const char *status_base = NULL;
  int status_dir = open_status_dir(plan.status_file, &status_base);
  if (*plan.status_file && status_dir < 0) { say("error setup -1 %d status file dir %s", errno, plan.status_file); return 125; }
  if (preopen(&plan) < 0 || run_pre(&plan) < 0) return 125;
  if ((plan.clone_flags & CLONE_NEWTIME_) && unshare(CLONE_NEWTIME_) < 0) {
    say("error setup -1 %d unshare time namespace", errno);
    undo_host_mounts();
    return 125;
  }
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) { say("error setup -1 %d socketpair", errno); undo_host_mounts(); return 125; }
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  if (clone_cgroup_fd >= 0) {
    struct clone_args_ ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = (plan.clone_flags & ~CLONE_NEWTIME_) | CLONE_INTO_CGROUP_;
    ca.exit_signal = SIGCHLD;
    ca.cgroup = (uint64_t)clone_cgroup_fd;
    child = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
  } else {
    child = (pid_t)syscall(SYS_clone, (plan.clone_flags & ~CLONE_NEWTIME_) | SIGCHLD, 0, 0, 0, 0);
  }
  if (child < 0) { say("error setup -1 %d clone", errno); undo_host_mounts(); return 125; }
  if (child == 0) { close(sp[0]); child_main(&plan, sp[1]); }
  close(sp[1]);
  if (clone_cgroup_fd >= 0) close(clone_cgroup_fd);
  for (uint32_t i = 0; i < plan.nops; i++)
    if (plan.ops[i].fd >= 0) close(plan.ops[i].fd);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  say("pid %d", (int)child);

  /* Our stdio belongs to the container now, except the pty relay ends. */
  int relay = (plan.flags & PLAN_TERMINAL_RELAY) != 0;
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = relay ? 2 : 0; fd < 3 && devnull >= 0; fd++) dup2(devnull, fd);
  if (!relay) stdin_eof = 1;
  if (relay && (plan.flags & PLAN_HOLD_STDIN)) {
    /* Our own writer on a stdin fifo: it never reaches EOF when its other writers go away. */
    struct stat st;
    if (fstat(0, &st) == 0 && S_ISFIFO(st.st_mode)) open("/proc/self/fd/0", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    eof_sends_eot = 0;
  }

  int ctl = CONTROL_FD, sync_fd = sp[0], status = 0;
  for (;;) {
    struct pollfd p[5];
    int np = 0, ic = -1, is = -1, ig = -1, im = -1, ii = -1;
    if (ctl >= 0) { ic = np; p[np++] = (struct pollfd){ ctl, POLLIN, 0 }; }
    if (sync_fd >= 0) { is = np; p[np++] = (struct pollfd){ sync_fd, POLLIN, 0 }; }
    ig = np; p[np++] = (struct pollfd){ sfd, POLLIN, 0 };
    if (master >= 0 && !master_eof) {
      im = np;
      p[np++] = (struct pollfd){ master, (short)(POLLIN | (inoff < inlen ? POLLOUT : 0)), 0 };
    }
    if (master >= 0 && !stdin_eof && inoff == inlen) { ii = np; p[np++] = (struct pollfd){ 0, POLLIN, 0 }; }
    if (poll(p, (nfds_t)np, -1) < 0) { if (errno == EINTR) continue; break; }
    if (is >= 0 && p[is].revents && on_sync(sync_fd) == 0) { close(sync_fd); sync_fd = -1; }
    if (ic >= 0 && p[ic].revents) on_control(&ctl, sync_fd);
    if (im >= 0 && (p[im].revents & (POLLIN | POLLHUP | POLLERR))) pump_master();
    if (im >= 0 && (p[im].revents & POLLOUT)) pump_stdin();
    if (ii >= 0 && p[ii].revents) pump_stdin();
    if (ig >= 0 && p[ig].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {}
      pid_t r;
      while ((r = waitpid(-1, &status, WNOHANG)) > 0)
        if (r == child) goto exited;
    }
  }
  return 125;

exited:
  while (sync_fd >= 0 && on_sync(sync_fd) == 1) {} /* queued reports come before the exit */
  if (master >= 0 && !master_eof) pump_master();
  undo_host_mounts(); /* before reporting, so the exit means the rootfs is released */
  if (WIFSIGNALED(status)) say("exit -1 %d", WTERMSIG(status));
  else say("exit %d 0", WEXITSTATUS(status));
  write_status(status_dir, status_base, status);
  return 0;
}
