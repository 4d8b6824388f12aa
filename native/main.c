/* wharf-exec entry point. `wharf-exec` runs a plan received on fd 3 (see PROTOCOL.md);
 * `wharf-exec spawner` forks monitors on request (spawner.c);
 * `wharf-exec bpf-dev <cgroup-dir>` loads a cgroup v2 device program read from stdin. */
#include <stdio.h>
#include <string.h>
#include "wharf.h"

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "bpf-dev")) return bpf_dev_main(argv[2]);
  if (argc == 2 && !strcmp(argv[1], "spawner")) return spawner_main();
  if (argc == 1) return monitor_main();
  fprintf(stderr, "usage: wharf-exec (plan on fd 3) | wharf-exec spawner | wharf-exec bpf-dev <cgroup-dir>\n");
  return 2;
}
