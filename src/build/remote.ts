// ADD <url>: the file is downloaded into the step's work directory (mode 0600, mtime from
// Last-Modified as Docker does), named after the URL's last path component.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/** Downloads `url` into a fresh directory under `dir`; returns the directory and file name. */
export async function download(url: string, dir: string, fallbackName: string): Promise<{ dir: string; name: string }> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw new Error(`failed to GET ${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new Error(`failed to GET ${url} with status ${res.status} ${res.statusText}`.trim());
  const base = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '');
  const name = base || fallbackName;
  if (!name || name.includes('/') || name === '..') throw new Error(`cannot determine filename from url: ${url}`);
  const out = fs.mkdtempSync(path.join(dir, 'download-'));
  const file = path.join(out, name);
  await pipeline(Readable.fromWeb(res.body as never), fs.createWriteStream(file, { mode: 0o600 }));
  fs.chmodSync(file, 0o600);
  const lm = res.headers.get('last-modified');
  const t = lm ? Date.parse(lm) : NaN;
  if (!Number.isNaN(t)) fs.utimesSync(file, t / 1000, t / 1000);
  return { dir: out, name };
}
