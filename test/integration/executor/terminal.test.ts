// Terminals: pty relayed by the monitor (input, output, resize) and runc's console socket.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLONE_NEWNS, CLONE_NEWPID } from '../../../src/runtime/ops.js';
import { spawnExecutor } from '../../../src/runtime/executor/index.js';
import { collect, containerSetup, makeRootfs, removeRootfs, reap, run, until } from './helpers.js';

const rootfs = makeRootfs();
after(() => removeRootfs(rootfs));
const NS = CLONE_NEWNS | CLONE_NEWPID;

test('pty relay: tty, echo of input, resize seen by stty size, exit', async (t) => {
  const ops = [...containerSetup(rootfs), { op: 'pty' as const }, ...run(['sh'], ['PATH=/bin', 'PS1=$ '])];
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops }, { terminal: true });
  t.after(() => reap(h.pid));
  let out = '';
  h.stdout!.setEncoding('utf8');
  h.stdout!.on('data', (c: string) => { out += c; });
  await h.started;
  h.resize(33, 101);
  h.stdin!.write('tty\n');
  await until(() => out.includes('/dev/pts/0'), 5000, () => `tty output, got ${JSON.stringify(out)}`);
  h.stdin!.write("echo hel''lo\n");
  await until(() => out.includes("echo hel''lo") && /\nhello\r?\n/.test(out), 5000, () => `echo, got ${JSON.stringify(out)}`);
  h.stdin!.write('stty size\n');
  await until(() => out.includes('33 101'), 5000, () => `stty size, got ${JSON.stringify(out)}`);
  h.stdin!.write('exit 5\n');
  assert.deepEqual(await h.exited, { code: 5, signal: null });
});

test('pty relay: stdin EOF is forwarded as ^D and ends an interactive shell', async (t) => {
  const ops = [...containerSetup(rootfs), { op: 'pty' as const }, ...run(['sh'], ['PATH=/bin', 'PS1=$ '])];
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops }, { terminal: true });
  t.after(() => reap(h.pid));
  let out = '';
  h.stdout!.setEncoding('utf8');
  h.stdout!.on('data', (c: string) => { out += c; });
  // ^D means EOF only at an empty prompt: wait for the shell to be reading its next line.
  h.stdin!.write('echo b""ye\n');
  await until(() => /bye\r?\n\$ /.test(out), 5000, () => `second prompt, got ${JSON.stringify(out)}`);
  h.stdin!.end();
  assert.deepEqual(await h.exited, { code: 0, signal: null });
});

const PY_CONSOLE_SERVER = `
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print('listening', flush=True)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(256, socket.CMSG_SPACE(4))
fd = struct.unpack('i', anc[0][2][:4])[0]
print('name=' + msg.decode(), flush=True)
os.write(fd, b'tty; exit\\n')
out = b''
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
print('out=' + out.decode(errors='replace'), flush=True)
`;

test('console socket: the pty master is sent with SCM_RIGHTS (runc protocol)', async (t) => {
  const sock = join(rootfs, 'console.sock');
  const py = spawn('python3', ['-c', PY_CONSOLE_SERVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pyOut = collect(py.stdout);
  let seen = '';
  py.stdout.on('data', (c: string) => { seen += c; });
  await until(() => seen.includes('listening'), 10000, 'python console server');
  const ops = [...containerSetup(rootfs), { op: 'pty' as const, consoleSocket: sock }, ...run(['sh'], ['PATH=/bin', 'PS1=$ '])];
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops }, { stdio: 'ignore' });
  t.after(() => { reap(h.pid); py.kill('SIGKILL'); });
  assert.equal((await h.exited).code, 0);
  const text = await pyOut;
  assert.match(text, /name=\/dev\/pts\/0/);
  assert.match(text, /out=[^]*\/dev\/pts\/0/);
});
