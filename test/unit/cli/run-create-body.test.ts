import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { normalizeFlags } from '../../../src/cli/argv.js';
import { buildCreateRequest, type CreateRequest, type RunOptions } from '../../../src/cli/options/create-body.js';
import { addFlags, FlagValueError, OptionError } from '../../../src/cli/options/flags.js';
import { CONTAINER_FLAGS, FLAG_ALIASES, RUN_ONLY_FLAGS } from '../../../src/cli/options/run-flags.js';

/** Parses `run` arguments as the CLI does and returns the create request. */
function parseRun(args: string[]): CreateRequest {
  const program = new Command('wharf').enablePositionalOptions().exitOverride();
  let out: CreateRequest | undefined;
  const cmd = program.command('run').argument('<image>').argument('[command...]').passThroughOptions().exitOverride();
  addFlags(cmd, [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS]);
  cmd.action((image: string, rest: string[], o: RunOptions) => { out = buildCreateRequest(o, image, rest, true); });
  program.parse(normalizeFlags(['run', ...args], program, FLAG_ALIASES), { from: 'user' });
  return out!;
}

test('resources: sizes, cpus, shares, swap, pids, ulimits, blkio', () => {
  const { body } = parseRun(['-m', '200M', '--memory-swap', '-1', '--memory-reservation', '10m', '--cpus', '1.5', '-c', '512',
    '--pids-limit', '10', '--ulimit', 'nofile=1024:2048', '--blkio-weight', '300', '--device-read-bps', '/dev/sda:1mb',
    '--shm-size', '64m', '--cpuset-cpus', '0', '--cpu-quota', '1000', '--oom-kill-disable', 'busybox']);
  const h = body.HostConfig;
  assert.equal(h.Memory, 209715200);
  assert.equal(h.MemorySwap, -1);
  assert.equal(h.MemoryReservation, 10485760);
  assert.equal(h.NanoCpus, 1_500_000_000);
  assert.equal(h.CpuShares, 512);
  assert.equal(h.PidsLimit, 10);
  assert.deepEqual(h.Ulimits, [{ Name: 'nofile', Hard: 2048, Soft: 1024 }]);
  assert.equal(h.BlkioWeight, 300);
  assert.deepEqual(h.BlkioDeviceReadBps, [{ Path: '/dev/sda', Rate: 1048576 }]);
  assert.equal(h.ShmSize, 67108864);
  assert.equal(h.CpusetCpus, '0');
  assert.equal(h.CpuQuota, 1000);
  assert.equal(h.OomKillDisable, true);
  assert.equal(h.MemorySwappiness, -1);
});

test('config: env, labels, entrypoint, cmd, user, workdir, health, stop signal/timeout, tty and stdin', () => {
  const { body, query } = parseRun(['-it', '--name', 'nm', '--platform', 'linux/amd64', '-e', 'A=1', '-l', 'k', '-l', 'a=b',
    '--entrypoint', '', '-u', '1:2', '-w', '/w', '-h', 'hh', '--health-cmd', 'true', '--health-interval', '1m30s',
    '--health-retries', '3', '--stop-signal', 'SIGINT', '--stop-timeout', '5', 'busybox', 'sh', '-c', 'echo hi']);
  assert.deepEqual(query, { name: 'nm', platform: 'linux/amd64' });
  assert.equal(body.Image, 'busybox');
  assert.deepEqual(body.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(body.Entrypoint, ['']);
  assert.deepEqual(body.Env, ['A=1']);
  assert.deepEqual(body.Labels, { k: '', a: 'b' });
  assert.equal(body.User, '1:2');
  assert.equal(body.WorkingDir, '/w');
  assert.equal(body.Hostname, 'hh');
  assert.deepEqual(body.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 90e9, Retries: 3 });
  assert.equal(body.StopSignal, 'SIGINT');
  assert.equal(body.StopTimeout, 5);
  assert.equal(body.Tty, true);
  assert.equal(body.OpenStdin, true);
  assert.equal(body.AttachStdin, true);
  assert.equal(body.StdinOnce, true);
});

test('ports, volumes, mounts, tmpfs, network, dns, hosts, caps, security', () => {
  const { body } = parseRun(['-p', '8080:80', '-p', '127.0.0.1::53/udp', '--expose', '90-91', '-P', '-v', '/tmp:/data:ro', '-v', '/anon',
    '--mount', 'type=tmpfs,dst=/tm,tmpfs-size=1m', '--tmpfs', '/run:size=1m', '--net', 'mynet', '--network-alias', 'al',
    '--ip', '10.0.0.5', '--dns', '1.1.1.1', '--dns-search', 'example.com', '--add-host', 'h:1.2.3.4', '--cap-add', 'net_admin',
    '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--privileged', '--read-only', '--init', '--restart', 'on-failure:3', 'busybox']);
  const h = body.HostConfig;
  assert.deepEqual(body.ExposedPorts, { '80/tcp': {}, '53/udp': {}, '90/tcp': {}, '91/tcp': {} });
  assert.deepEqual(h.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  assert.equal(h.PublishAllPorts, true);
  assert.deepEqual(h.Binds, ['/tmp:/data:ro']);
  assert.deepEqual(body.Volumes, { '/anon': {} });
  assert.deepEqual(h.Mounts, [{ Type: 'tmpfs', Target: '/tm', TmpfsOptions: { SizeBytes: 1048576 } }]);
  assert.deepEqual(h.Tmpfs, { '/run': 'size=1m' });
  assert.equal(h.NetworkMode, 'mynet');
  assert.deepEqual(body.NetworkingConfig, { EndpointsConfig: { mynet: { Aliases: ['al'], IPAMConfig: { IPv4Address: '10.0.0.5' } } } });
  assert.deepEqual(h.Dns, ['1.1.1.1']);
  assert.deepEqual(h.DnsSearch, ['example.com']);
  assert.deepEqual(h.ExtraHosts, ['h:1.2.3.4']);
  assert.deepEqual(h.CapAdd, ['CAP_NET_ADMIN']);
  assert.deepEqual(h.CapDrop, ['ALL']);
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges']);
  assert.equal(h.Privileged, true);
  assert.equal(h.ReadonlyRootfs, true);
  assert.equal(h.Init, true);
  assert.deepEqual(h.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
});

test('-d detaches every stream; --rm sets AutoRemove; Go-style --flag=false booleans', () => {
  const d = parseRun(['-d', '-i', '--rm', 'busybox']).body;
  assert.equal(d.AttachStdin, false);
  assert.equal(d.AttachStdout, false);
  assert.equal(d.StdinOnce, false);
  assert.equal(d.HostConfig.AutoRemove, true);
  const f = parseRun(['--rm=false', '--tty=true', '--privileged=false', 'busybox', '--rm=true']).body;
  assert.equal(f.HostConfig.AutoRemove, undefined);
  assert.deepEqual(f.HostConfig.PortBindings, {});
  assert.equal(f.Tty, true);
  assert.equal(f.HostConfig.Privileged, undefined);
  assert.deepEqual(f.Cmd, ['--rm=true'], 'flags after the image belong to the command');
});

test('bad values: Docker messages naming the flag', () => {
  assert.throws(() => parseRun(['-m', 'foo', 'busybox']), (e: unknown) => e instanceof FlagValueError && e.message === 'invalid argument "foo" for "-m, --memory" flag: invalid size: \'foo\'');
  assert.throws(() => parseRun(['--health-interval', '5', 'busybox']), { message: 'invalid argument "5" for "--health-interval" flag: time: missing unit in duration "5"' });
  assert.throws(() => parseRun(['--cpus', 'abc', 'busybox']), { message: 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number' });
  assert.throws(() => parseRun(['--ulimit', 'nofile', 'busybox']), { message: 'invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile' });
  assert.throws(() => parseRun(['-p', 'foo', 'busybox']), (e: unknown) => e instanceof OptionError && e.message === 'invalid containerPort: foo');
  assert.throws(() => parseRun(['--rm', '--restart', 'always', 'busybox']), { message: 'conflicting options: cannot specify both --restart and --rm' });
  assert.throws(() => parseRun(['--health-interval', '-5s', 'busybox']), { message: '--health-interval cannot be negative' });
  assert.throws(() => parseRun(['--no-healthcheck', '--health-cmd', 'x', 'busybox']), { message: '--no-healthcheck conflicts with --health-* options' });
  assert.throws(() => parseRun(['--pid', 'foo', 'busybox']), { message: '--pid: invalid PID mode' });
  assert.throws(() => parseRun(['--network-alias', 'a', 'busybox']), { message: 'network-scoped aliases are only supported for user-defined networks' });
});
