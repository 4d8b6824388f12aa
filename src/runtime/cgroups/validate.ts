// Checks `linux.resources` before anything is written, so bad input changes nothing and the
// error names the field (linux.resources.<field>).
import type { LinuxResources, LinuxDeviceCgroup } from './types.js';

const P = 'linux.resources';

function fail(field: string, why: string): never {
  throw new Error(`${P}.${field}: ${why}`);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function checkInt(v: unknown, field: string, min?: number, max?: number): void {
  if (v === undefined || v === null) return;
  if (!isInt(v)) fail(field, `must be an integer, got ${JSON.stringify(v)}`);
  if (min !== undefined && v < min) fail(field, `must be >= ${min}, got ${v}`);
  if (max !== undefined && v > max) fail(field, `must be <= ${max}, got ${v}`);
}

function checkObject(v: unknown, field: string): void {
  if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) fail(field, 'must be an object');
}

function checkArray(v: unknown, field: string): void {
  if (v !== undefined && !Array.isArray(v)) fail(field, 'must be an array');
}

const CPU_LIST = /^\s*\d+(-\d+)?(\s*,\s*\d+(-\d+)?)*\s*$/;

function checkDeviceList(list: unknown, field: string, withRate: boolean, withWeight: boolean): void {
  checkArray(list, field);
  (list as unknown[] | undefined)?.forEach((d, i) => {
    const f = `${field}[${i}]`;
    checkObject(d, f);
    const dev = d as Record<string, unknown>;
    if (!isInt(dev.major) || dev.major < 0) fail(`${f}.major`, 'must be a non-negative integer');
    if (!isInt(dev.minor) || dev.minor < 0) fail(`${f}.minor`, 'must be a non-negative integer');
    if (withRate) checkInt(dev.rate, `${f}.rate`, 0);
    if (withWeight) checkInt(dev.weight, `${f}.weight`, 0, 1000);
  });
}

export function validateDeviceRule(rule: LinuxDeviceCgroup, field: string): void {
  checkObject(rule, field);
  if (typeof rule.allow !== 'boolean') fail(`${field}.allow`, 'must be a boolean');
  if (rule.type !== undefined && !['a', 'b', 'c'].includes(rule.type)) fail(`${field}.type`, `must be "a", "b" or "c", got ${JSON.stringify(rule.type)}`);
  for (const k of ['major', 'minor'] as const) {
    const v = rule[k];
    if (v !== undefined && v !== null && (!isInt(v) || v < -1)) fail(`${field}.${k}`, 'must be an integer >= -1');
  }
  if (rule.access !== undefined && (typeof rule.access !== 'string' || !/^[rwm]*$/.test(rule.access))) {
    fail(`${field}.access`, `must be a combination of r, w and m, got ${JSON.stringify(rule.access)}`);
  }
}

/** Throws an Error naming the first invalid field. */
export function validateResources(r: LinuxResources | undefined): void {
  if (r === undefined || r === null) return;
  if (typeof r !== 'object' || Array.isArray(r)) throw new Error(`${P}: must be an object`);

  checkObject(r.memory, 'memory');
  const m = r.memory;
  if (m) {
    checkInt(m.limit, 'memory.limit', -1);
    checkInt(m.reservation, 'memory.reservation', -1);
    checkInt(m.swap, 'memory.swap', -1);
    checkInt(m.swappiness, 'memory.swappiness', 0, 100);
    if (m.disableOOMKiller !== undefined && typeof m.disableOOMKiller !== 'boolean') fail('memory.disableOOMKiller', 'must be a boolean');
    if (isInt(m.swap) && m.swap > 0 && isInt(m.limit) && m.limit > 0 && m.swap < m.limit) {
      fail('memory.swap', `is the memory+swap total and must be >= memory.limit (${m.limit}), got ${m.swap}`);
    }
  }

  checkObject(r.cpu, 'cpu');
  const c = r.cpu;
  if (c) {
    checkInt(c.shares, 'cpu.shares', 0);
    checkInt(c.quota, 'cpu.quota', -1);
    checkInt(c.period, 'cpu.period', 0);
    checkInt(c.burst, 'cpu.burst', 0);
    for (const k of ['cpus', 'mems'] as const) {
      const v = c[k];
      if (v !== undefined && (typeof v !== 'string' || (v !== '' && !CPU_LIST.test(v)))) {
        fail(`cpu.${k}`, `must be a list like "0-2,4", got ${JSON.stringify(v)}`);
      }
    }
  }

  checkObject(r.pids, 'pids');
  if (r.pids) {
    if (r.pids.limit === undefined) fail('pids.limit', 'is required');
    checkInt(r.pids.limit, 'pids.limit', -1);
  }

  checkObject(r.blockIO, 'blockIO');
  const b = r.blockIO;
  if (b) {
    if (b.weight !== undefined && b.weight !== 0) checkInt(b.weight, 'blockIO.weight', 10, 1000);
    checkDeviceList(b.weightDevice, 'blockIO.weightDevice', false, true);
    for (const k of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
      checkDeviceList(b[k], `blockIO.${k}`, true, false);
    }
  }

  checkArray(r.devices, 'devices');
  r.devices?.forEach((d, i) => validateDeviceRule(d, `devices[${i}]`));

  checkObject(r.unified, 'unified');
  for (const [k, v] of Object.entries(r.unified ?? {})) {
    if (!/^[a-z0-9_]+\.[a-z0-9_.]+$/.test(k)) fail(`unified["${k}"]`, 'must be a cgroup v2 file name like "memory.high"');
    if (k.startsWith('cgroup.') && k !== 'cgroup.max.depth' && k !== 'cgroup.max.descendants') {
      fail(`unified["${k}"]`, 'cgroup.* core files cannot be set');
    }
    if (typeof v !== 'string') fail(`unified["${k}"]`, 'value must be a string');
  }
}
