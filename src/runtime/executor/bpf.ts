// cgroup v2 device control: the BPF program is built in TypeScript; loading needs the bpf()
// syscall, done by `wharf-exec bpf-dev`.
import { spawnSync } from 'node:child_process';
import { executorPath } from './path.js';

/**
 * Loads a BPF_PROG_TYPE_CGROUP_DEVICE program (raw struct bpf_insn array) and attaches it to
 * cgroupDir with BPF_F_ALLOW_MULTI, replacing the previous wharf program. Returns the program id.
 */
export function loadDeviceProgram(cgroupDir: string, insns: Uint8Array): number {
  if (insns.byteLength === 0 || insns.byteLength % 8 !== 0) {
    throw new RangeError(`insns: expected a non-empty array of 8-byte bpf instructions, got ${insns.byteLength} bytes`);
  }
  const r = spawnSync(executorPath(), ['bpf-dev', cgroupDir], { input: insns, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`loading device program into ${cgroupDir} failed: ${(r.stderr || `exit ${r.status}`).trim()}`);
  }
  return Number(r.stdout.trim());
}
