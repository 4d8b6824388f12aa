// Capabilities the daemon itself holds: "all capabilities" (--privileged) can only mean these.
import { readFileSync } from 'node:fs';
import { CAPABILITIES } from '../runtime/spec/caps.js';

export function availableCapabilities(status = safeRead('/proc/self/status')): string[] {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  if (!m) return [...CAPABILITIES];
  const mask = BigInt(`0x${m[1]}`);
  return CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

function safeRead(file: string): string {
  try { return readFileSync(file, 'utf8'); } catch { return ''; }
}
