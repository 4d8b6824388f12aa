// json-file log driver options (HostConfig.LogConfig.Config / daemon log-opts), Docker's parsing.
import { InvalidParameterError } from '../errors.js';

export interface JsonFileOptions {
  /** Rotate when the file reaches this many bytes; -1 = never. */
  maxSize: number;
  /** Files kept, the current one included (>= 1). */
  maxFiles: number;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };
const KNOWN = ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag', 'mode', 'max-buffer-size'];

/** go-units RAMInBytes ("10m" = 10 MiB). */
export function parseSize(value: string, field: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?b?)\s*$/i.exec(value);
  if (!m) throw new InvalidParameterError(`invalid value for log option ${field}: ${value}`);
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

export function parseJsonFileOptions(cfg: Record<string, string> | undefined): JsonFileOptions {
  const c = cfg ?? {};
  for (const key of Object.keys(c)) {
    if (!KNOWN.includes(key)) throw new InvalidParameterError(`unknown log opt '${key}' for json-file log driver`);
  }
  const maxSize = c['max-size'] ? parseSize(c['max-size'], 'max-size') : -1;
  if (maxSize === 0) throw new InvalidParameterError('invalid value for log option max-size: must be a positive size');
  let maxFiles = 1;
  if (c['max-file'] !== undefined) {
    if (!/^\d+$/.test(c['max-file'])) throw new InvalidParameterError(`invalid value for log option max-file: ${c['max-file']}`);
    maxFiles = Number(c['max-file']);
    if (maxFiles < 1) throw new InvalidParameterError('max-file cannot be less than 1');
    if (maxFiles > 1 && maxSize === -1) throw new InvalidParameterError('max-file can only be used with max-size');
  }
  if (c.compress === 'true') throw new InvalidParameterError('log option compress is not supported by wharf');
  return { maxSize, maxFiles };
}
