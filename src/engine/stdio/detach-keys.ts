// Detach keys on the daemon side: the shared parser (src/common) with Docker's 400 for bad keys.
import { parseDetachKeys as parse } from '../../common/detach-keys.js';
import { InvalidParameterError } from '../errors.js';

export { DEFAULT_DETACH_KEYS, DetachScanner } from '../../common/detach-keys.js';

export function parseDetachKeys(keys: string): number[] {
  try {
    return parse(keys);
  } catch (err) {
    throw new InvalidParameterError((err as Error).message);
  }
}
