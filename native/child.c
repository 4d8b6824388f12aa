/* The container init: runs the child operations in order, reports the first failure as
 * (op index, errno) to the monitor and exits 127. A successful execve closes the report channel
 * (it is CLOEXEC), which the monitor reads as "started". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "wharf.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER 0x5441
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#define CLOSE_RANGE_CLOEXEC 4
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#define PR_CAP_AMBIENT_ 47
#define AMBIENT_RAISE 2
#define AMBIENT_CLEAR_ALL 4

static int sync_fd = -1;
static char found_path[PATH_MAX]; /* result of the last lookup op */
static int found = 0;

static void report(uint32_t index, int err, const char *what, const char *arg) {
  child_msg_t m = { .kind = CM_ERROR, .index = (int32_t)index, .err = err };
  snprintf(m.detail, sizeof m.detail, "%s%s%s", what, arg && *arg ? " " : "", arg ? arg : "");
  send(sync_fd, &m, sizeof m, MSG_NOSIGNAL);
  _exit(127);
}

static void tell(char kind, int32_t index, int32_t arg) {
  child_msg_t m = { .kind = kind, .index = index, .err = arg };
  send(sync_fd, &m, sizeof m, MSG_NOSIGNAL);
}

/* Blocks until the monitor forwards the expected byte; exits if the monitor went away. */
static void await_parent(char expect) {
  for (;;) {
    char c;
    ssize_t n = recv(sync_fd, &c, 1, 0);
    if (n == 0 || (n < 0 && errno != EINTR)) _exit(127);
    if (n == 1 && c == expect) return;
  }
}

int send_fd(int sock, int fd, const void *data, size_t len) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = { (void *)data, len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int mkdir_p(const char *path, mode_t mode) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(buf, mode) < 0) {
    struct stat st;
    if (errno != EEXIST) return -1;
    if (stat(buf, &st) == 0 && !S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
  }
  return 0;
}

static int parent_dirs(const char *path) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
  strcpy(buf, path);
  char *slash = strrchr(buf, '/');
  if (!slash || slash == buf) return 0;
  *slash = 0;
  return mkdir_p(buf, 0755);
}

/* Fallback when openat2 is missing: walk components, refusing symlinks and "..". */
static int walk_in_root(int rootfd, const char *path) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
  strcpy(buf, path);
  int cur = dup(rootfd);
  for (char *save = NULL, *c = strtok_r(buf, "/", &save); c && cur >= 0; c = strtok_r(NULL, "/", &save)) {
    if (!strcmp(c, ".")) continue;
    if (!strcmp(c, "..")) { close(cur); errno = EXDEV; return -1; }
    int next = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (next >= 0 && fstat(next, &st) == 0 && S_ISLNK(st.st_mode)) { close(next); next = -1; errno = ELOOP; }
    int e = errno;
    close(cur);
    cur = next;
    errno = e;
  }
  return cur;
}

static int open_in_root(const char *root, const char *path) {
  int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return -1;
  struct { uint64_t flags, mode, resolve; } how = { O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) fd = walk_in_root(rootfd, path);
  int e = errno;
  close(rootfd);
  errno = e;
  return fd;
}

static const char *nul_if_empty(const char *s) { return s && *s ? s : NULL; }

static int do_mount_in(const op_t *op) {
  int fd = open_in_root(op->s[4], op->s[1]);
  if (fd < 0) return -1;
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int r = mount(nul_if_empty(op->s[0]), proc, nul_if_empty(op->s[2]), op->u[0], nul_if_empty(op->s[3]));
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

static int do_pivot_root(const char *root) {
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  int newroot = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  int r = -1;
  if (oldroot < 0 || newroot < 0) goto out;
  if (fchdir(newroot) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || fchdir(oldroot) < 0) goto out;
  /* The old root is stacked on "."; make it a slave so detaching it never propagates to the host. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) goto out;
  if (umount2(".", MNT_DETACH) < 0) goto out;
  r = chdir("/");
out:;
  int e = errno;
  if (oldroot >= 0) close(oldroot);
  if (newroot >= 0) close(newroot);
  errno = e;
  return r;
}

static int write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(data), off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n < 0) { if (errno == EINTR) continue; int e = errno; close(fd); errno = e; return -1; }
    off += (size_t)n;
  }
  return close(fd);
}

static int do_caps(const op_t *op) {
  uint64_t bounding = op->q[0], eff = op->q[1], perm = op->q[2], inh = op->q[3], amb = op->q[4];
  struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
  struct { uint32_t eff, perm, inh; } data[2];
  /* After setresuid with keep-caps the effective set is empty: raise it to the permitted set so
   * CAP_SETPCAP (needed to drop from the bounding set) is usable. */
  if (syscall(SYS_capget, &hdr, data) < 0) return -1;
  data[0].eff = data[0].perm;
  data[1].eff = data[1].perm;
  if (syscall(SYS_capset, &hdr, data) < 0) return -1;
  /* Probe caps until the kernel says EINVAL: covers every cap up to CAP_LAST_CAP without /proc. */
  for (int cap = 0; cap < 64; cap++) {
    int has = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (has < 0) break;
    if (has == 1 && !(bounding >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) return -1;
  }
  data[0].eff = (uint32_t)eff; data[0].perm = (uint32_t)perm; data[0].inh = (uint32_t)inh;
  data[1].eff = (uint32_t)(eff >> 32); data[1].perm = (uint32_t)(perm >> 32); data[1].inh = (uint32_t)(inh >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0) return -1;
  if (prctl(PR_CAP_AMBIENT_, AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && amb) return -1;
  for (int cap = 0; cap < 64; cap++)
    if ((amb >> cap & 1) && prctl(PR_CAP_AMBIENT_, AMBIENT_RAISE, cap, 0, 0) < 0) return -1;
  return 0;
}

static int do_seccomp(const op_t *op) {
  struct { unsigned short len; void *filter; } prog;
  void *copy = malloc(op->nbytes ? op->nbytes : 8); /* aligned copy of the raw sock_filter array */
  if (!copy) return -1;
  memcpy(copy, op->bytes, op->nbytes);
  prog.len = (unsigned short)(op->nbytes / 8);
  prog.filter = copy;
  if (syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, op->u[0], &prog) == 0) return 0;
  if (errno != ENOSYS || op->u[0]) return -1;
  return prctl(PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, &prog, 0, 0);
}

static int is_exec_file(const char *p) {
  struct stat st;
  if (stat(p, &st) < 0) return -errno;
  if (!S_ISREG(st.st_mode) || access(p, X_OK) < 0) return -EACCES;
  return 0;
}

/* execvp-like resolution: an empty PATH entry means the current directory. */
static int find_program(const char *file, const char *path) {
  if (!*file) { errno = ENOENT; return -1; }
  if (strchr(file, '/')) {
    int r = is_exec_file(file);
    if (r < 0) { errno = -r; return -1; }
    snprintf(found_path, sizeof found_path, "%s", file);
    return 0;
  }
  int err = ENOENT;
  for (const char *p = path;; ) {
    const char *end = strchrnul(p, ':');
    int dlen = (int)(end - p);
    snprintf(found_path, sizeof found_path, "%.*s%s%s", dlen, dlen ? p : ".", "/", file);
    int r = is_exec_file(found_path);
    if (r == 0) return 0;
    if (r != -ENOENT && r != -ENOTDIR) err = -r;
    if (!*end) break;
    p = end + 1;
  }
  errno = err;
  return -1;
}

static int do_pty(const op_t *op) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return -1;
  int unlock = 0, n = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) return -1;
  char name[64];
  snprintf(name, sizeof name, "/dev/pts/%d", n);
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) return -1;
  if (getsid(0) != getpid() && setsid() < 0) return -1;
  if (ioctl(slave, TIOCSCTTY, 0) < 0) return -1;
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) return -1;
  if (slave > 2) close(slave);
  int r;
  if (op->fd >= 0) { /* runc's --console-socket: the master travels with the pty name as data */
    r = send_fd(op->fd, master, name, strlen(name));
    close(op->fd);
  } else {
    child_msg_t m = { .kind = CM_PTY };
    r = send_fd(sync_fd, master, &m, sizeof m);
  }
  close(master);
  return r;
}

static int open_fifo(const op_t *op) {
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", op->fd);
  int fd = op->fd >= 0 ? open(proc, O_WRONLY | O_CLOEXEC) : -1;
  if (fd < 0) fd = open(op->s[0], O_WRONLY | O_CLOEXEC); /* no /proc in the container */
  if (fd < 0) return -1;
  if (write(fd, "0", 1) < 0) { int e = errno; close(fd); errno = e; return -1; }
  close(fd);
  if (op->fd >= 0) close(op->fd);
  return 0;
}

/* SIOCSIFFLAGS with IFF_UP: what `ip link set <name> up` does, without netlink. */
static int link_up(const char *name) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (strlen(name) >= sizeof ifr.ifr_name) { errno = ENAMETOOLONG; return -1; }
  strcpy(ifr.ifr_name, name);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
  if (r == 0 && !(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    r = ioctl(fd, SIOCSIFFLAGS, &ifr);
  }
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

static int close_fds(unsigned from) {
  /* Marked CLOEXEC rather than closed so the report channel keeps working until execve. */
  if (syscall(SYS_close_range, from, ~0u, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  for (unsigned fd = from; fd < 4096; fd++) fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  return 0;
}

static int run_op(uint32_t index, const op_t *op) {
  switch (op->code) {
  case OP_SYNC_PARENT: await_parent(PM_CONTINUE); return 0;
  case OP_UNSHARE: return unshare((int)op->u[0]);
  case OP_SETNS: {
    int fd = open(op->s[0], O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = setns(fd, (int)op->u[0]);
    int e = errno;
    close(fd);
    errno = e;
    return r;
  }
  case OP_MOUNT:
    return mount(nul_if_empty(op->s[0]), op->s[1], nul_if_empty(op->s[2]), op->u[0], nul_if_empty(op->s[3]));
  case OP_MOUNT_IN: return do_mount_in(op);
  case OP_MKDIR: return op->u[1] ? mkdir_p(op->s[0], op->u[0]) : mkdir(op->s[0], op->u[0]);
  case OP_TOUCH: {
    if (parent_dirs(op->s[0]) < 0) return -1;
    int fd = open(op->s[0], O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, op->u[0]);
    return fd < 0 ? -1 : close(fd);
  }
  case OP_MKNOD:
    if (mknod(op->s[0], op->u[0], makedev(op->u[1], op->u[2])) < 0) return -1;
    return lchown(op->s[0], op->u[3], op->u[4]);
  case OP_SYMLINK: return symlink(op->s[0], op->s[1]);
  case OP_CHMOD: return chmod(op->s[0], op->u[0]);
  case OP_PIVOT_ROOT: return do_pivot_root(op->s[0]);
  case OP_CHROOT: return chroot(op->s[0]) < 0 ? -1 : chdir("/");
  case OP_CHDIR: return chdir(op->s[0]);
  case OP_SETHOSTNAME: return sethostname(op->s[0], strlen(op->s[0]));
  case OP_SETDOMAINNAME: return setdomainname(op->s[0], strlen(op->s[0]));
  case OP_WRITE_FILE: return write_file(op->s[0], op->s[1]);
  case OP_SETRLIMIT: {
    uint64_t rl[2] = { op->q[0], op->q[1] };
    return (int)syscall(SYS_prlimit64, 0, op->u[0], rl, NULL);
  }
  case OP_UMASK: umask(op->u[0]); return 0;
  case OP_SETSID: return setsid() < 0 ? -1 : 0;
  case OP_PTY: return do_pty(op);
  case OP_KEEP_CAPS: return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
  case OP_SETGROUPS: return (int)syscall(SYS_setgroups, op->ngids, op->gids);
  case OP_SETRESGID: return (int)syscall(SYS_setresgid, op->u[0], op->u[0], op->u[0]);
  case OP_SETRESUID: return (int)syscall(SYS_setresuid, op->u[0], op->u[0], op->u[0]);
  case OP_CAPS: return do_caps(op);
  case OP_NO_NEW_PRIVS: return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  case OP_SECCOMP: return do_seccomp(op);
  case OP_LOOKUP:
    if (find_program(op->s[0], op->s[1]) < 0) return -1;
    found = 1;
    return 0;
  case OP_WAIT_START: tell(CM_READY, (int32_t)index, 0); await_parent(PM_START); return 0;
  case OP_OPEN_FIFO: tell(CM_READY, (int32_t)index, 1); return open_fifo(op);
  case OP_CLOSE_FDS: return close_fds(op->u[0]);
  case OP_LINK_UP: return link_up(op->s[0]);
  case OP_EXEC: {
    if (!found && find_program(op->s[0], op->s[1]) < 0) return -1;
    tell(CM_EXEC, (int32_t)index, 0);
    execve(found_path, (char *const *)op->list, (char *const *)op->list2);
    return -1;
  }
  }
  errno = EINVAL;
  return -1;
}

static const char *detail_arg(const op_t *op) {
  int second = op->code == OP_MOUNT || op->code == OP_MOUNT_IN || op->code == OP_SYMLINK;
  return second ? op->s[1] : op->s[0];
}

void child_main(const plan_t *plan, int fd) {
  sync_fd = fd;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < 32; sig++) signal(sig, SIG_DFL); /* ignored dispositions survive execve */
  close(CONTROL_FD);
  for (uint32_t i = 0; i < plan->nops; i++) {
    const op_t *op = &plan->ops[i];
    if (run_op(i, op) < 0) report(i, errno, op_name(op->code), detail_arg(op));
  }
  report(plan->nops, ENOEXEC, "plan", "has no exec op");
  _exit(127);
}
