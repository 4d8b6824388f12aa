import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResources, type LinuxResources } from '../../../src/runtime/cgroups/index.js';

const bad = (r: unknown, re: RegExp) => assert.throws(() => validateResources(r as LinuxResources), re);

test('valid resources pass', () => {
  validateResources(undefined);
  validateResources({
    memory: { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20, swappiness: 0, disableOOMKiller: false, kernel: 1 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1,3', mems: '0' },
    pids: { limit: 10 },
    blockIO: { weight: 500, throttleWriteBpsDevice: [{ major: 7, minor: 0, rate: 1048576 }] },
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }],
    unified: { 'memory.high': '1G' },
  });
});

test('each invalid field is named in the error', () => {
  bad({ memory: { limit: 'lots' } }, /linux\.resources\.memory\.limit: must be an integer/);
  bad({ memory: { limit: 100, swap: 50 } }, /linux\.resources\.memory\.swap: .*>= memory\.limit/);
  bad({ memory: { swappiness: 101 } }, /memory\.swappiness: must be <= 100/);
  bad({ cpu: { shares: -5 } }, /cpu\.shares: must be >= 0/);
  bad({ cpu: { cpus: '0-a' } }, /cpu\.cpus: must be a list/);
  bad({ pids: {} }, /pids\.limit: is required/);
  bad({ blockIO: { weight: 5 } }, /blockIO\.weight: must be >= 10/);
  bad({ blockIO: { throttleReadBpsDevice: [{ major: 8, minor: -1, rate: 1 }] } }, /throttleReadBpsDevice\[0\]\.minor/);
  bad({ devices: [{ allow: true, type: 'z' }] }, /linux\.resources\.devices\[0\]\.type/);
  bad({ unified: { '../etc/passwd': 'x' } }, /unified\["\.\.\/etc\/passwd"\]/);
  bad({ unified: { 'cgroup.procs': '1' } }, /cgroup\.\* core files/);
  bad({ memory: [] }, /linux\.resources\.memory: must be an object/);
});
