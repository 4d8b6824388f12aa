/* `wharf-exec bpf-dev <cgroup-dir>`: load a cgroup v2 device program (raw struct bpf_insn array on
 * stdin, built by TypeScript) and attach it with BPF_F_ALLOW_MULTI, then detach the previous wharf
 * program(s) so there is never a moment without a filter. Prints the new program id. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "wharf.h"

enum { BPF_PROG_LOAD_ = 5, BPF_PROG_ATTACH_ = 8, BPF_PROG_DETACH_ = 9, BPF_PROG_GET_FD_BY_ID_ = 13,
       BPF_OBJ_GET_INFO_BY_FD_ = 15, BPF_PROG_QUERY_ = 16 };
#define PROG_TYPE_CGROUP_DEVICE 15
#define ATTACH_CGROUP_DEVICE 6
#define F_ALLOW_MULTI 2
#define PROG_NAME "wharf_dev"

typedef union { uint8_t raw[128]; uint32_t w[32]; uint64_t d[16]; } attr_t;

static long bpf(int cmd, attr_t *a) { return syscall(SYS_bpf, cmd, a, sizeof *a); }

static int fail(const char *what, const char *arg) {
  fprintf(stderr, "wharf-exec bpf-dev: %s %s: %s\n", what, arg, strerror(errno));
  return 1;
}

static int prog_is_wharf(uint32_t id, int *fd_out) {
  attr_t a = { 0 };
  a.w[0] = id;
  int fd = (int)bpf(BPF_PROG_GET_FD_BY_ID_, &a);
  if (fd < 0) return 0;
  uint8_t info[256] = { 0 };
  memset(&a, 0, sizeof a);
  a.w[0] = (uint32_t)fd;
  a.w[1] = sizeof info;
  a.d[1] = (uint64_t)(uintptr_t)info;
  if (bpf(BPF_OBJ_GET_INFO_BY_FD_, &a) < 0 || strncmp((char *)info + 64, PROG_NAME, 16) != 0) { close(fd); return 0; }
  *fd_out = fd;
  return 1;
}

int bpf_dev_main(const char *cgroup_dir) {
  size_t cap = 4096, len = 0;
  uint8_t *insns = malloc(cap);
  for (ssize_t n; insns && (n = read(0, insns + len, cap - len)) > 0; ) {
    len += (size_t)n;
    if (len == cap) insns = realloc(insns, cap *= 2);
  }
  if (!insns || len == 0 || len % 8) { errno = EINVAL; return fail("read program from stdin", "(need a non-empty struct bpf_insn array)"); }
  int cg = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) return fail("open cgroup", cgroup_dir);

  /* Remember the previous wharf programs before attaching the new one. */
  uint32_t ids[64];
  attr_t a = { 0 };
  a.w[0] = (uint32_t)cg;
  a.w[1] = ATTACH_CGROUP_DEVICE;
  a.d[2] = (uint64_t)(uintptr_t)ids;
  a.w[6] = 64;
  uint32_t nold = bpf(BPF_PROG_QUERY_, &a) == 0 ? a.w[6] : 0;

  char log[4096] = "";
  static const char license[] = "Apache-2.0";
  memset(&a, 0, sizeof a);
  a.w[0] = PROG_TYPE_CGROUP_DEVICE;
  a.w[1] = (uint32_t)(len / 8);
  a.d[1] = (uint64_t)(uintptr_t)insns;
  a.d[2] = (uint64_t)(uintptr_t)license;
  a.w[6] = 1;
  a.w[7] = sizeof log;
  a.d[4] = (uint64_t)(uintptr_t)log;
  memcpy(a.raw + 48, PROG_NAME, sizeof PROG_NAME);
  a.w[17] = ATTACH_CGROUP_DEVICE;
  int prog = (int)bpf(BPF_PROG_LOAD_, &a);
  if (prog < 0) {
    int e = errno;
    if (*log) fprintf(stderr, "%s\n", log);
    errno = e;
    return fail("load BPF_PROG_TYPE_CGROUP_DEVICE program for", cgroup_dir);
  }
  memset(&a, 0, sizeof a);
  a.w[0] = (uint32_t)cg;
  a.w[1] = (uint32_t)prog;
  a.w[2] = ATTACH_CGROUP_DEVICE;
  a.w[3] = F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH_, &a) < 0) return fail("attach device program to", cgroup_dir);
  for (uint32_t i = 0; i < nold && i < 64; i++) {
    int old;
    if (!prog_is_wharf(ids[i], &old)) continue;
    memset(&a, 0, sizeof a);
    a.w[0] = (uint32_t)cg;
    a.w[1] = (uint32_t)old;
    a.w[2] = ATTACH_CGROUP_DEVICE;
    if (bpf(BPF_PROG_DETACH_, &a) < 0) return fail("detach previous device program from", cgroup_dir);
    close(old);
  }
  uint8_t info[256] = { 0 };
  memset(&a, 0, sizeof a);
  a.w[0] = (uint32_t)prog;
  a.w[1] = sizeof info;
  a.d[1] = (uint64_t)(uintptr_t)info;
  uint32_t id = 0;
  if (bpf(BPF_OBJ_GET_INFO_BY_FD_, &a) == 0) memcpy(&id, info + 4, 4);
  printf("%u\n", id);
  return 0;
}
