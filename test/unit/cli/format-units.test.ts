// go-units sizes and durations, Go's %g, ID/command truncation, tabwriter and the PORTS column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSize, ellipsis, formatG, goQuote, humanDuration, humanSize, humanSizeWithPrecision, sinceUnix, truncateID } from '../../../src/cli/format/units.js';
import { tabwrite } from '../../../src/cli/format/tabwriter.js';
import { displayablePorts } from '../../../src/cli/format/ports.js';
import { ContainerRow } from '../../../src/cli/format/containers.js';
import { imageRows } from '../../../src/cli/format/images.js';
import { cpuPercent, memoryUsage, statsFigures, StatsRow } from '../../../src/cli/format/stats.js';
import { diskUsageRows } from '../../../src/cli/format/disk-usage.js';

test("Go's %.Ng formatting", () => {
  assert.equal(formatG(1.23456, 3), '1.23');
  assert.equal(formatG(1.5, 3), '1.5');
  assert.equal(formatG(12, 3), '12');
  assert.equal(formatG(100, 3), '100');
  assert.equal(formatG(999.9, 3), '1e+03');
  assert.equal(formatG(1985.58, 4), '1986');
  assert.equal(formatG(0.0001234, 3), '0.000123');
  assert.equal(formatG(0, 3), '0');
});

test('HumanSize (decimal) and BytesSize (binary)', () => {
  assert.equal(humanSizeWithPrecision(1985580, 3), '1.99MB');
  assert.equal(humanSize(1985580), '1.986MB');
  assert.equal(humanSizeWithPrecision(1234567, 3), '1.23MB');
  assert.equal(humanSizeWithPrecision(2, 3), '2B');
  assert.equal(humanSizeWithPrecision(0, 3), '0B');
  assert.equal(humanSizeWithPrecision(1000, 3), '1kB');
  assert.equal(humanSizeWithPrecision(999999, 3), '1e+03kB');
  assert.equal(humanSize(3.4e9), '3.4GB');
  assert.equal(bytesSize(1536), '1.5KiB');
  assert.equal(bytesSize(25270000000), '23.53GiB');
  assert.equal(bytesSize(592 * 1024), '592KiB');
});

test('HumanDuration and "ago"', () => {
  const s = 1000;
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1 * s), '1 second');
  assert.equal(humanDuration(5 * s), '5 seconds');
  assert.equal(humanDuration(60 * s), 'About a minute');
  assert.equal(humanDuration(119 * s), 'About a minute');
  assert.equal(humanDuration(120 * s), '2 minutes');
  assert.equal(humanDuration(59 * 60 * s), '59 minutes');
  assert.equal(humanDuration(60 * 60 * s), 'About an hour');
  assert.equal(humanDuration(89 * 60 * s), 'About an hour');
  assert.equal(humanDuration(2 * 3600 * s), '2 hours');
  assert.equal(humanDuration(3 * 86400 * s), '3 days');
  assert.equal(humanDuration(15 * 86400 * s), '2 weeks');
  assert.equal(humanDuration(95 * 86400 * s), '3 months');
  assert.equal(humanDuration(800 * 86400 * s), '2 years');
  assert.equal(sinceUnix(1000, 1000_000 + 2 * 3600_000), '2 hours ago');
});

test('IDs, commands and names are cut as docker cuts them', () => {
  assert.equal(truncateID('sha256:6541ae9c6e4402c15d7acbec523c3a5f'), '6541ae9c6e44');
  assert.equal(ellipsis("sh -c 'while true; do sleep 1; done'", 20), "sh -c 'while true; …");
  assert.equal(ellipsis('short', 20), 'short');
  assert.equal(goQuote("sh -c 'echo \"hi\"'\n"), '"sh -c \'echo \\"hi\\"\'\\n"');
  const row = new ContainerRow({ Id: 'x', Command: "sh -c 'while true; do sleep 1; done'", Image: 'docker.io/library/busybox:latest@sha256:' + 'a'.repeat(64), ImageID: 'sha256:' + 'b'.repeat(64) }, true);
  assert.equal(row.Command(), '"sh -c \'while true; …"');
  assert.equal(row.Image(), 'busybox:latest');
  assert.equal(new ContainerRow({ Id: 'x', Image: 'sha256:' + 'b'.repeat(64), ImageID: 'sha256:' + 'b'.repeat(64) }, true).Image(), 'b'.repeat(12));
  assert.equal(new ContainerRow({ Id: 'x', SizeRw: 2, SizeRootFs: 1234567 }, true).Size(), '2B (virtual 1.23MB)');
  assert.equal(new ContainerRow({ Id: 'x', Names: ['/a/b', '/web'] }, true).Names(), 'web');
});

test('tabwriter: min width 10, padding 3, last cell unpadded, blocks end at tab-less lines', () => {
  assert.equal(tabwrite('A\tBB\tC\nxxxxxxxxxxxxx\ty\tz\n'), 'A               BB        C\nxxxxxxxxxxxxx   y         z\n');
  assert.equal(tabwrite('a\tb\nplain line\nlonger cell\tc\n'), 'a         b\nplain line\nlonger cell   c\n');
  assert.equal(tabwrite('é…\tx\n'), 'é…        x\n');
});

test('PORTS: ranges merged, host mappings, IPv6 as docker 20.10 prints it', () => {
  assert.equal(displayablePorts([
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
  ]), '0.0.0.0:8080->80/tcp, :::8080->80/tcp');
  assert.equal(displayablePorts([
    { PrivatePort: 81, Type: 'tcp' }, { PrivatePort: 80, Type: 'tcp' }, { PrivatePort: 82, Type: 'tcp' }, { PrivatePort: 53, Type: 'udp' },
  ]), '53/udp, 80-82/tcp');
  assert.equal(displayablePorts([
    { IP: '0.0.0.0', PrivatePort: 8000, PublicPort: 8000, Type: 'tcp' }, { IP: '0.0.0.0', PrivatePort: 8001, PublicPort: 8001, Type: 'tcp' },
  ]), '0.0.0.0:8000-8001->8000-8001/tcp');
});

test('images: one row per repo:tag, dangling as <none>, digests with --digests', () => {
  const img = { Id: 'sha256:' + 'c'.repeat(64), RepoTags: ['busybox:latest', 'localhost:5000/x/y:1'], RepoDigests: ['busybox@sha256:' + 'd'.repeat(64)], Created: 0, Size: 1985580 };
  const rows = imageRows([img, { Id: 'sha256:' + 'e'.repeat(64), RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] }], { digests: true, trunc: true });
  assert.deepEqual(rows.map((r) => [r.Repository(), r.Tag(), r.Digest(), r.ID()]), [
    ['busybox', 'latest', 'sha256:' + 'd'.repeat(64), 'c'.repeat(12)],
    ['localhost:5000/x/y', '1', '<none>', 'c'.repeat(12)],
    ['<none>', '<none>', '<none>', 'e'.repeat(12)],
  ]);
  assert.equal(rows[0]!.Size(), '1.99MB');
});

test('stats: CPU % from two samples, memory without inactive file cache, summed I/O', () => {
  const sample = {
    id: 'f'.repeat(64), name: '/web',
    cpu_stats: { cpu_usage: { total_usage: 3_000_000 }, system_cpu_usage: 20_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000_000 }, system_cpu_usage: 10_000_000 },
    memory_stats: { usage: 10 * 1048576, limit: 100 * 1048576, stats: { total_inactive_file: 2 * 1048576 } },
    networks: { eth0: { rx_bytes: 1000, tx_bytes: 2000 }, eth1: { rx_bytes: 500, tx_bytes: 0 } },
    blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 4096 }, { op: 'Write', value: 8192 }, { op: 'Read', value: 4096 }] },
    pids_stats: { current: 3 },
  };
  assert.equal(cpuPercent(sample), 40);
  assert.equal(memoryUsage(sample), 8 * 1048576);
  const row = new StatsRow(statsFigures('web', sample), true);
  assert.deepEqual([row.ID(), row.Name(), row.CPUPerc(), row.MemUsage(), row.MemPerc(), row.NetIO(), row.BlockIO(), row.PIDs()],
    ['f'.repeat(12), 'web', '40.00%', '8MiB / 100MiB', '8.00%', '1.5kB / 2kB', '8.19kB / 8.19kB', '3']);
});

test('system df rows: totals, active counts and reclaimable percentages', () => {
  const rows = diskUsageRows({
    LayersSize: 2000,
    Images: [{ Id: 'a', Containers: 1, VirtualSize: 1500, SharedSize: 0 }, { Id: 'b', Containers: 0, VirtualSize: 500, SharedSize: 0 }],
    Containers: [{ Id: 'c', State: 'running', SizeRw: 10 }, { Id: 'd', State: 'exited', SizeRw: 30 }],
    Volumes: [{ Name: 'v', UsageData: { Size: 100, RefCount: 0 } }],
    BuildCache: [],
  });
  assert.deepEqual(rows.map((r) => [r.Type, r.TotalCount(), r.Active(), r.Size(), r.Reclaimable()]), [
    ['Images', '2', '1', '2kB', '500B (25%)'],
    ['Containers', '2', '1', '40B', '30B (75%)'],
    ['Local Volumes', '1', '0', '100B', '100B (100%)'],
    ['Build Cache', '0', '0', '0B', '0B'],
  ]);
});
