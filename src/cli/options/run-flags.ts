// The flags of `run` and `create` (docker/cli's container options), declared once for both.
import type { FlagDef } from './flags.js';
import { parseMount } from './mounts.js';
import {
  parseExtraHost, parseThrottleBps, parseThrottleIops, parseUlimit, parseWeightDevice,
  validateEnv, validateIp, validateLabel, validateSysctl,
} from './values.js';

const attachStream = (v: string): string => {
  const s = v.toLowerCase();
  if (s !== 'stdin' && s !== 'stdout' && s !== 'stderr') throw new Error('valid streams are STDIN, STDOUT and STDERR');
  return s;
};

/** Shared by run, create (and partly update). */
export const CONTAINER_FLAGS: FlagDef[] = [
  { names: '-a, --attach', kind: 'list', desc: 'Attach to STDIN, STDOUT or STDERR', check: attachStream },
  { names: '--add-host', kind: 'list', desc: 'Add a custom host-to-IP mapping (host:ip)', check: parseExtraHost },
  { names: '--blkio-weight', kind: 'uint16', desc: 'Block IO (relative weight), between 10 and 1000, or 0 to disable' },
  { names: '--blkio-weight-device', kind: 'list', desc: 'Block IO weight (relative device weight)', check: parseWeightDevice },
  { names: '--cap-add', kind: 'list', desc: 'Add Linux capabilities' },
  { names: '--cap-drop', kind: 'list', desc: 'Drop Linux capabilities' },
  { names: '--cgroup-parent', kind: 'string', desc: 'Optional parent cgroup for the container' },
  { names: '--cgroupns', kind: 'string', desc: 'Cgroup namespace to use (host|private)' },
  { names: '--cidfile', kind: 'string', desc: 'Write the container ID to the file' },
  { names: '--cpu-period', kind: 'int', desc: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { names: '--cpu-quota', kind: 'int', desc: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { names: '--cpu-rt-period', kind: 'int', desc: 'Limit CPU real-time period in microseconds' },
  { names: '--cpu-rt-runtime', kind: 'int', desc: 'Limit CPU real-time runtime in microseconds' },
  { names: '-c, --cpu-shares', kind: 'int', desc: 'CPU shares (relative weight)' },
  { names: '--cpus', kind: 'cpus', desc: 'Number of CPUs' },
  { names: '--cpuset-cpus', kind: 'string', desc: 'CPUs in which to allow execution (0-3, 0,1)' },
  { names: '--cpuset-mems', kind: 'string', desc: 'MEMs in which to allow execution (0-3, 0,1)' },
  { names: '--device', kind: 'list', desc: 'Add a host device to the container' },
  { names: '--device-cgroup-rule', kind: 'list', desc: "Add a rule to the cgroup allowed devices list" },
  { names: '--device-read-bps', kind: 'list', desc: 'Limit read rate (bytes per second) from a device', check: parseThrottleBps },
  { names: '--device-read-iops', kind: 'list', desc: 'Limit read rate (IO per second) from a device', check: parseThrottleIops },
  { names: '--device-write-bps', kind: 'list', desc: 'Limit write rate (bytes per second) to a device', check: parseThrottleBps },
  { names: '--device-write-iops', kind: 'list', desc: 'Limit write rate (IO per second) to a device', check: parseThrottleIops },
  { names: '--dns', kind: 'list', desc: 'Set custom DNS servers', check: validateIp },
  { names: '--dns-option', kind: 'list', desc: 'Set DNS options' },
  { names: '--dns-search', kind: 'list', desc: 'Set custom DNS search domains' },
  { names: '--domainname', kind: 'string', desc: 'Container NIS domain name' },
  { names: '--entrypoint', kind: 'string', desc: 'Overwrite the default ENTRYPOINT of the image' },
  { names: '-e, --env', kind: 'list', desc: 'Set environment variables', check: (v) => validateEnv(v) },
  { names: '--env-file', kind: 'list', desc: 'Read in a file of environment variables' },
  { names: '--expose', kind: 'list', desc: 'Expose a port or a range of ports' },
  { names: '--group-add', kind: 'list', desc: 'Add additional groups to join' },
  { names: '--health-cmd', kind: 'string', desc: 'Command to run to check health' },
  { names: '--health-interval', kind: 'duration', desc: 'Time between running the check (ms|s|m|h) (default 0s)' },
  { names: '--health-retries', kind: 'int', desc: 'Consecutive failures needed to report unhealthy' },
  { names: '--health-start-period', kind: 'duration', desc: 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)' },
  { names: '--health-start-interval', kind: 'duration', desc: 'Time between running the check during the start period (ms|s|m|h) (default 0s)' },
  { names: '--health-timeout', kind: 'duration', desc: 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)' },
  { names: '-h, --hostname', kind: 'string', desc: 'Container host name' },
  { names: '--init', kind: 'bool', desc: 'Run an init inside the container that forwards signals and reaps processes' },
  { names: '-i, --interactive', kind: 'bool', desc: 'Keep STDIN open even if not attached' },
  { names: '--ip', kind: 'string', desc: 'IPv4 address (e.g., 172.30.100.104)' },
  { names: '--ip6', kind: 'string', desc: 'IPv6 address (e.g., 2001:db8::33)' },
  { names: '--ipc', kind: 'string', desc: 'IPC mode to use' },
  { names: '--isolation', kind: 'string', desc: 'Container isolation technology' },
  { names: '--kernel-memory', kind: 'bytes', desc: 'Kernel memory limit', hidden: true },
  { names: '-l, --label', kind: 'list', desc: 'Set meta data on a container', check: validateLabel },
  { names: '--label-file', kind: 'list', desc: 'Read in a line delimited file of labels' },
  { names: '--link', kind: 'list', desc: 'Add link to another container' },
  { names: '--log-driver', kind: 'string', desc: 'Logging driver for the container' },
  { names: '--log-opt', kind: 'list', desc: 'Log driver options' },
  { names: '--mac-address', kind: 'string', desc: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)' },
  { names: '-m, --memory', kind: 'bytes', desc: 'Memory limit' },
  { names: '--memory-reservation', kind: 'bytes', desc: 'Memory soft limit' },
  { names: '--memory-swap', kind: 'swap', desc: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { names: '--memory-swappiness', kind: 'int', desc: 'Tune container memory swappiness (0 to 100) (default -1)', default: -1 },
  { names: '--mount', kind: 'list', desc: 'Attach a filesystem mount to the container', arg: 'mount', check: parseMount },
  { names: '--name', kind: 'string', desc: 'Assign a name to the container' },
  { names: '--network', kind: 'list', desc: 'Connect a container to a network', arg: 'network' },
  { names: '--network-alias', kind: 'list', desc: 'Add network-scoped alias for the container' },
  { names: '--no-healthcheck', kind: 'bool', desc: 'Disable any container-specified HEALTHCHECK' },
  { names: '--oom-kill-disable', kind: 'bool', desc: 'Disable OOM Killer' },
  { names: '--oom-score-adj', kind: 'int', desc: "Tune host's OOM preferences (-1000 to 1000)" },
  { names: '--pid', kind: 'string', desc: 'PID namespace to use' },
  { names: '--pids-limit', kind: 'int', desc: 'Tune container pids limit (set -1 for unlimited)' },
  { names: '--platform', kind: 'string', desc: 'Set platform if server is multi-platform capable' },
  { names: '--privileged', kind: 'bool', desc: 'Give extended privileges to this container' },
  { names: '-p, --publish', kind: 'list', desc: "Publish a container's port(s) to the host" },
  { names: '-P, --publish-all', kind: 'bool', desc: 'Publish all exposed ports to random ports' },
  { names: '--pull', kind: 'string', desc: 'Pull image before creating ("always", "missing", "never")', default: 'missing' },
  { names: '-q, --quiet', kind: 'bool', desc: 'Suppress the pull output' },
  { names: '--read-only', kind: 'bool', desc: "Mount the container's root filesystem as read only" },
  { names: '--restart', kind: 'string', desc: 'Restart policy to apply when a container exits', default: 'no' },
  { names: '--rm', kind: 'bool', desc: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { names: '--runtime', kind: 'string', desc: 'Runtime to use for this container' },
  { names: '--security-opt', kind: 'list', desc: 'Security Options' },
  { names: '--shm-size', kind: 'bytes', desc: 'Size of /dev/shm' },
  { names: '--stop-signal', kind: 'string', desc: 'Signal to stop the container' },
  { names: '--stop-timeout', kind: 'int', desc: 'Timeout (in seconds) to stop a container' },
  { names: '--storage-opt', kind: 'list', desc: 'Storage driver options for the container' },
  { names: '--sysctl', kind: 'list', desc: 'Sysctl options', check: validateSysctl },
  { names: '--tmpfs', kind: 'list', desc: 'Mount a tmpfs directory' },
  { names: '-t, --tty', kind: 'bool', desc: 'Allocate a pseudo-TTY' },
  { names: '--ulimit', kind: 'list', desc: 'Ulimit options', arg: 'ulimit', check: parseUlimit },
  { names: '-u, --user', kind: 'string', desc: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { names: '--userns', kind: 'string', desc: 'User namespace to use' },
  { names: '--uts', kind: 'string', desc: 'UTS namespace to use' },
  { names: '-v, --volume', kind: 'list', desc: 'Bind mount a volume' },
  { names: '--volume-driver', kind: 'string', desc: 'Optional volume driver for the container' },
  { names: '--volumes-from', kind: 'list', desc: 'Mount volumes from the specified container(s)' },
  { names: '-w, --workdir', kind: 'string', desc: 'Working directory inside the container' },
];

/** Only `run` has these. */
export const RUN_ONLY_FLAGS: FlagDef[] = [
  { names: '-d, --detach', kind: 'bool', desc: 'Run container in background and print container ID' },
  { names: '--detach-keys', kind: 'string', desc: 'Override the key sequence for detaching a container' },
  { names: '--sig-proxy', kind: 'bool', desc: 'Proxy received signals to the process', default: true },
];

/** Old spellings Docker still accepts, rewritten before parsing. */
export { FLAG_ALIASES } from './flag-aliases.js';

export const RUN_USAGE = '[OPTIONS] IMAGE [COMMAND] [ARG...]';
