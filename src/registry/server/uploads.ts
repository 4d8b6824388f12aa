// Blob uploads of the registry server: each upload appends to its own file while a running sha256
// follows the bytes, so finishing an upload needs no second pass (after a restart it rehashes).
import type { IncomingMessage } from 'node:http';
import { createReadStream, createWriteStream } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RegistryStorage } from './storage.js';

interface State { hash: Hash; size: number }

export class Uploads {
  private readonly states = new Map<string, State>();
  constructor(private readonly storage: RegistryStorage) {}

  /** Appends the request body to upload `id` (whose current size is `size`); returns the new size. */
  async append(id: string, size: number, body: IncomingMessage): Promise<number> {
    const state = await this.state(id, size);
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, cb) { state.hash.update(chunk); state.size += chunk.length; cb(null, chunk); },
    });
    try {
      await pipeline(body, hashing, createWriteStream(this.storage.uploadFile(id), { flags: 'a' }));
    } catch (err) {
      this.states.delete(id); // the file may hold part of the chunk: rehash from disk next time
      throw err;
    }
    return state.size;
  }

  /** The digest of everything uploaded so far. */
  async digest(id: string, size: number): Promise<string> {
    const state = await this.state(id, size);
    return 'sha256:' + state.hash.copy().digest('hex');
  }

  forget(id: string): void { this.states.delete(id); }

  private async state(id: string, size: number): Promise<State> {
    const known = this.states.get(id);
    if (known && known.size === size) return known;
    const hash = createHash('sha256');
    let n = 0;
    if (size > 0) for await (const c of createReadStream(this.storage.uploadFile(id))) { hash.update(c as Buffer); n += (c as Buffer).length; }
    const st = { hash, size: n };
    this.states.set(id, st);
    return st;
  }
}
