/* wharf-exec: shared declarations. The executor holds no policy: TypeScript sends an explicit
 * operation list (see PROTOCOL.md) and the executor runs it, reporting (op index, errno). */
#ifndef WHARF_H
#define WHARF_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* Control records TypeScript -> executor: u32le length, u8 kind, body. */
enum { MSG_PLAN = 1, MSG_CONTINUE = 2, MSG_START = 3, MSG_RESIZE = 4, MSG_KILL = 5 };

/* Opcodes; must match src/runtime/executor/protocol.ts. */
enum {
  OP_SETNS = 1, OP_SYNC_PARENT, OP_UNSHARE, OP_MOUNT, OP_MOUNT_IN, OP_MKDIR, OP_TOUCH, OP_MKNOD,
  OP_SYMLINK, OP_CHMOD, OP_PIVOT_ROOT, OP_CHROOT, OP_CHDIR, OP_SETHOSTNAME, OP_SETDOMAINNAME,
  OP_WRITE_FILE, OP_SETRLIMIT, OP_UMASK, OP_SETSID, OP_PTY, OP_KEEP_CAPS, OP_SETGROUPS,
  OP_SETRESGID, OP_SETRESUID, OP_CAPS, OP_NO_NEW_PRIVS, OP_SECCOMP, OP_LOOKUP, OP_WAIT_START,
  OP_OPEN_FIFO, OP_CLOSE_FDS, OP_EXEC, OP_LINK_UP, OP_CLONE_INTO_CGROUP, OP_MAX
};

/* Plan header flags. */
#define PLAN_TERMINAL_RELAY 1u
/* With relay: stdin never ends (the monitor holds it open for writing; no ^D at EOF), so the
 * terminal outlives whoever writes stdin now (a daemon restart). */
#define PLAN_HOLD_STDIN 2u

/* One decoded operation. Strings point into the plan buffer (NUL-terminated on the wire). */
typedef struct {
  uint32_t code;
  uint32_t u[6];      /* integer arguments, meaning depends on code */
  uint64_t q[5];      /* 64-bit arguments (rlimits, capability masks) */
  const char *s[6];   /* string arguments */
  const char **list;  /* argv for exec */
  const char **list2; /* env for exec */
  uint32_t *gids;     /* setgroups */
  uint32_t ngids;
  const uint8_t *bytes; /* seccomp filter */
  uint32_t nbytes;
  int fd;             /* pre-opened fd (console socket, fifo), -1 if none */
} op_t;

typedef struct {
  uint32_t flags;
  const char *status_file; /* "" when absent */
  uint32_t clone_flags;
  uint32_t npre, nops;
  op_t *pre, *ops;
} plan_t;

/* Child -> monitor messages over the internal SOCK_SEQPACKET pair. */
enum { CM_ERROR = 'E', CM_READY = 'R', CM_PTY = 'T', CM_EXEC = 'X' };
typedef struct {
  char kind;
  int32_t index;
  int32_t err;
  char detail[240];
} child_msg_t;

/* Monitor -> child messages (one byte each). */
enum { PM_CONTINUE = 'C', PM_START = 'S' };

#define CONTROL_FD 3

/* plan.c */
int plan_decode(const uint8_t *buf, size_t len, plan_t *plan);
const char *op_name(uint32_t code);

/* child.c: runs in the cloned init; never returns. */
void child_main(const plan_t *plan, int sync_fd) __attribute__((noreturn));
int send_fd(int sock, int fd, const void *data, size_t len);

/* monitor.c */
int monitor_main(void);
/* read exactly len bytes (EINTR retried); -1 on EOF or error */
int read_full(int fd, void *buf, size_t len);

/* spawner.c */
int spawner_main(void);

/* bpfdev.c */
int bpf_dev_main(const char *cgroup_dir);

#endif
