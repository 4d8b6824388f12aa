/* Decoding of the plan record (layout in PROTOCOL.md). Strings stay in the buffer: each is sent
 * as u32 length + bytes + NUL, so the decoder only checks bounds and points into it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "wharf.h"

typedef struct { const uint8_t *p, *end; int bad; } reader_t;

static uint32_t rd_u32(reader_t *r) {
  if (r->end - r->p < 4) { r->bad = 1; return 0; }
  uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
  r->p += 4;
  return v;
}

static uint64_t rd_u64(reader_t *r) {
  uint64_t lo = rd_u32(r), hi = rd_u32(r);
  return lo | hi << 32;
}

static const char *rd_str(reader_t *r) {
  uint32_t n = rd_u32(r);
  if (r->bad || (size_t)(r->end - r->p) < (size_t)n + 1 || r->p[n] != 0) { r->bad = 1; return ""; }
  const char *s = (const char *)r->p;
  r->p += n + 1;
  return s;
}

static const char **rd_strlist(reader_t *r) {
  uint32_t n = rd_u32(r);
  if (r->bad || n > 1u << 20) { r->bad = 1; return NULL; }
  const char **v = calloc(n + 1, sizeof *v);
  if (!v) { r->bad = 1; return NULL; }
  for (uint32_t i = 0; i < n; i++) v[i] = rd_str(r);
  return v;
}

static void rd_op(reader_t *r, op_t *op) {
  memset(op, 0, sizeof *op);
  op->fd = -1;
  op->code = rd_u32(r);
  switch (op->code) {
  case OP_SETNS: op->s[0] = rd_str(r); op->u[0] = rd_u32(r); break;
  case OP_UNSHARE: case OP_UMASK: case OP_SETRESGID: case OP_SETRESUID: case OP_CLOSE_FDS:
    op->u[0] = rd_u32(r); break;
  case OP_MOUNT:
    op->s[0] = rd_str(r); op->s[1] = rd_str(r); op->s[2] = rd_str(r);
    op->u[0] = rd_u32(r); op->s[3] = rd_str(r); break;
  case OP_MOUNT_IN:
    op->s[4] = rd_str(r); op->s[0] = rd_str(r); op->s[1] = rd_str(r); op->s[2] = rd_str(r);
    op->u[0] = rd_u32(r); op->s[3] = rd_str(r); break;
  case OP_MKDIR: op->s[0] = rd_str(r); op->u[0] = rd_u32(r); op->u[1] = rd_u32(r); break;
  case OP_TOUCH: case OP_CHMOD: op->s[0] = rd_str(r); op->u[0] = rd_u32(r); break;
  case OP_MKNOD:
    op->s[0] = rd_str(r);
    for (int i = 0; i < 5; i++) op->u[i] = rd_u32(r);
    break;
  case OP_SYMLINK: case OP_LOOKUP: op->s[0] = rd_str(r); op->s[1] = rd_str(r); break;
  case OP_PIVOT_ROOT: case OP_CHROOT: case OP_CHDIR: case OP_SETHOSTNAME: case OP_SETDOMAINNAME: case OP_LINK_UP:
  case OP_PTY: case OP_OPEN_FIFO: case OP_CLONE_INTO_CGROUP:
    op->s[0] = rd_str(r); break;
  case OP_WRITE_FILE: op->s[0] = rd_str(r); op->s[1] = rd_str(r); break;
  case OP_SETRLIMIT: op->u[0] = rd_u32(r); op->q[0] = rd_u64(r); op->q[1] = rd_u64(r); break;
  case OP_SETGROUPS:
    op->ngids = rd_u32(r);
    if (r->bad || op->ngids > 65536) { r->bad = 1; break; }
    op->gids = calloc(op->ngids + 1, sizeof *op->gids);
    if (!op->gids) { r->bad = 1; break; }
    for (uint32_t i = 0; i < op->ngids; i++) op->gids[i] = rd_u32(r);
    break;
  case OP_CAPS: for (int i = 0; i < 5; i++) op->q[i] = rd_u64(r); break;
  case OP_SECCOMP:
    op->u[0] = rd_u32(r);
    op->nbytes = rd_u32(r);
    if (r->bad || (size_t)(r->end - r->p) < op->nbytes) { r->bad = 1; break; }
    op->bytes = r->p;
    r->p += op->nbytes;
    break;
  case OP_EXEC:
    op->s[0] = rd_str(r); op->list = rd_strlist(r); op->list2 = rd_strlist(r); op->s[1] = rd_str(r);
    break;
  case OP_SYNC_PARENT: case OP_SETSID: case OP_KEEP_CAPS: case OP_NO_NEW_PRIVS: case OP_WAIT_START:
    break;
  default: r->bad = 1;
  }
}

static op_t *rd_ops(reader_t *r, uint32_t *count) {
  uint32_t n = rd_u32(r);
  if (r->bad || n > 65536) { r->bad = 1; return NULL; }
  op_t *ops = calloc(n + 1, sizeof *ops);
  if (!ops) { r->bad = 1; return NULL; }
  for (uint32_t i = 0; i < n && !r->bad; i++) rd_op(r, &ops[i]);
  *count = n;
  return ops;
}

int plan_decode(const uint8_t *buf, size_t len, plan_t *plan) {
  reader_t r = { buf, buf + len, 0 };
  memset(plan, 0, sizeof *plan);
  plan->flags = rd_u32(&r);
  plan->status_file = rd_str(&r);
  plan->clone_flags = rd_u32(&r);
  plan->pre = rd_ops(&r, &plan->npre);
  plan->ops = rd_ops(&r, &plan->nops);
  for (uint32_t i = 0; !r.bad && i < plan->npre; i++)
    if (plan->pre[i].code != OP_SETNS && plan->pre[i].code != OP_MOUNT && plan->pre[i].code != OP_CHDIR &&
        plan->pre[i].code != OP_CLONE_INTO_CGROUP) r.bad = 1;
  if (r.bad || r.p != r.end) { errno = EINVAL; return -1; }
  return 0;
}

static const char *const names[OP_MAX] = {
  [OP_SETNS] = "setns", [OP_SYNC_PARENT] = "sync-parent", [OP_UNSHARE] = "unshare",
  [OP_MOUNT] = "mount", [OP_MOUNT_IN] = "mount-in", [OP_MKDIR] = "mkdir", [OP_TOUCH] = "touch",
  [OP_MKNOD] = "mknod", [OP_SYMLINK] = "symlink", [OP_CHMOD] = "chmod",
  [OP_PIVOT_ROOT] = "pivot-root", [OP_CHROOT] = "chroot", [OP_CHDIR] = "chdir",
  [OP_SETHOSTNAME] = "sethostname", [OP_SETDOMAINNAME] = "setdomainname",
  [OP_WRITE_FILE] = "write-file", [OP_SETRLIMIT] = "setrlimit", [OP_UMASK] = "umask",
  [OP_SETSID] = "setsid", [OP_PTY] = "pty", [OP_KEEP_CAPS] = "keep-caps",
  [OP_SETGROUPS] = "setgroups", [OP_SETRESGID] = "setresgid", [OP_SETRESUID] = "setresuid",
  [OP_CAPS] = "caps", [OP_NO_NEW_PRIVS] = "no-new-privs", [OP_SECCOMP] = "seccomp",
  [OP_LOOKUP] = "lookup", [OP_WAIT_START] = "wait-start", [OP_OPEN_FIFO] = "open-fifo",
  [OP_CLOSE_FDS] = "close-fds", [OP_EXEC] = "exec", [OP_LINK_UP] = "link-up",
  [OP_CLONE_INTO_CGROUP] = "clone-into-cgroup",
};

const char *op_name(uint32_t code) {
  return code < OP_MAX && names[code] ? names[code] : "unknown";
}
