// Builds against a test daemon through the API (POST /build with a context tar), and small
// context-directory helpers shared by the build integration tests.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { createContextTar } from '../../../src/build/index.js';

export interface BuildReply {
  status: number;
  /** The JSON messages (or the error body for a non-200 answer). */
  messages: Array<Record<string, unknown>>;
  /** Concatenated "stream" texts. */
  output: string;
  /** aux.ID of a successful build. */
  id?: string;
  error?: string;
  code?: number;
}

/** A temp context directory holding `files` (path -> content; a trailing / makes a directory). */
export function makeContext(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-build-ctx-'));
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    if (rel.endsWith('/')) { fs.mkdirSync(p, { recursive: true }); continue; }
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

/** POST /build with a context tar (a directory, made into a tar, or a ready stream). */
export function apiBuild(socket: string, context: string | Readable, query: Record<string, string | string[]> = {}): Promise<BuildReply> {
  let body: Readable;
  const q = new URLSearchParams();
  if (typeof context === 'string') {
    const t = createContextTar(context);
    body = t.tar;
    if (!query.dockerfile) q.append('dockerfile', t.dockerfile);
  } else body = context;
  for (const [k, v] of Object.entries(query)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method: 'POST', path: `/v1.41/build?${q}`, headers: { 'content-type': 'application/x-tar' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => {
        const messages = text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
        const reply: BuildReply = { status: res.statusCode ?? 0, messages, output: messages.map((m) => (typeof m.stream === 'string' ? m.stream : '')).join('') };
        for (const m of messages) {
          if (m.aux && typeof (m.aux as { ID?: string }).ID === 'string') reply.id = (m.aux as { ID: string }).ID;
          if (typeof m.error === 'string') { reply.error = m.error; reply.code = (m.errorDetail as { code?: number } | undefined)?.code; }
          if (res.statusCode !== 200 && typeof m.message === 'string') reply.error = m.message;
        }
        resolve(reply);
      });
    });
    req.on('error', reject);
    body.on('error', reject);
    body.pipe(req);
  });
}

/** A successful build's image ID; fails the test with the build output otherwise. */
export async function buildOk(socket: string, context: string | Readable, query: Record<string, string | string[]> = {}): Promise<BuildReply & { id: string }> {
  const r = await apiBuild(socket, context, query);
  if (r.status !== 200 || !r.id || r.error) throw new Error(`build failed (${r.status}): ${r.error ?? ''}\n${r.output}`);
  return r as BuildReply & { id: string };
}

/** Active build snapshots and build work dirs left in a daemon's data root (must be none). */
export function buildLeftovers(dataRoot: string): string[] {
  const out: string[] = [];
  const snaps = path.join(dataRoot, 'snapshots');
  for (const n of fs.existsSync(snaps) ? fs.readdirSync(snaps) : []) if (n.startsWith('c-build-')) out.push(`snapshot ${n}`);
  const work = path.join(dataRoot, 'builder', 'work');
  for (const n of fs.existsSync(work) ? fs.readdirSync(work) : []) out.push(`work ${n}`);
  for (const l of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (l.includes(dataRoot + '/builder')) out.push(`mount ${l.split(' ')[4]}`);
  return out;
}

/** The root filesystem of an image, exported from a created (never started) container. */
export async function exportImage(docker: { ok(args: string[]): Promise<string> }, image: string): Promise<{ root: string; dispose(): void }> {
  const id = await docker.ok(['create', image, 'none']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-build-rootfs-'));
  try {
    await docker.ok(['export', '-o', path.join(dir, 'rootfs.tar'), id]);
  } finally {
    await docker.ok(['rm', id]);
  }
  fs.mkdirSync(path.join(dir, 'fs'));
  execFileSync('tar', ['-xpf', path.join(dir, 'rootfs.tar'), '-C', path.join(dir, 'fs'), '--numeric-owner']);
  return { root: path.join(dir, 'fs'), dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Reads files of an image (via exportImage). */
export async function readImageFiles(docker: { ok(args: string[]): Promise<string> }, image: string, files: string[]): Promise<string[]> {
  const r = await exportImage(docker, image);
  try {
    return files.map((f) => fs.readFileSync(path.join(r.root, f), 'utf8'));
  } finally {
    r.dispose();
  }
}
