// wharf run/attach/exec -it through a real terminal (tmux with a private server): the shell
// prompt, typed commands, window resizes seen by `stty size`, ctrl-p ctrl-q detaching while the
// container keeps running, and the container's exit code as the CLI's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { startTestDaemon, until, type TestDaemon } from '../docker-cli/helpers.js';
import { rand, WHARF_MAIN, wharfOk } from './container-helpers.js';

let t: TestDaemon;
const server = `wharf-test-${rand()}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
const pane = (s: string): string => tmux('capture-pane', '-p', '-t', s);

before(async () => { t = await startTestDaemon(); });
after(async () => {
  spawnSync('tmux', ['-L', server, 'kill-server']);
  await t.cleanup();
});

/** Starts `wharf args` in a new tmux session (100x30); the shell then prints EXIT=<code>. */
function session(args: string[]): string {
  const name = `s${rand()}`;
  const cmd = `env DOCKER_HOST=${t.env.DOCKER_HOST} WHARF_NO_AUTOSTART=1 ${process.execPath} -- ${WHARF_MAIN} ${args.join(' ')}; echo EXIT=$?; sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', cmd);
  return name;
}

/** Waits until the pane matches `re` (capture-pane drops trailing blanks); the pane text on failure. */
async function shows(s: string, re: RegExp, what: string): Promise<string> {
  try {
    return await until(() => { const p = pane(s); return re.test(p) ? p : ''; }, 10_000, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}; pane:\n${pane(s).trimEnd()}`);
  }
}

test('run -it: prompt, a typed command, resize seen by stty size, exit code', async () => {
  const s = session(['run', '-it', '--rm', 'busybox', 'sh']);
  await shows(s, /^\/ #\s*$/m, 'the prompt');
  tmux('send-keys', '-t', s, 'echo hello-$((1+2))', 'Enter');
  await shows(s, /^hello-3$/m, 'the command output');
  tmux('send-keys', '-t', s, 'stty size', 'Enter');
  await shows(s, /^30 100$/m, 'the initial size');
  tmux('resize-window', '-t', s, '-x', '120', '-y', '40');
  await until(async () => {
    tmux('send-keys', '-t', s, 'clear; stty size', 'Enter');
    await new Promise((r) => setTimeout(r, 100));
    return /^40 120$/m.test(pane(s));
  }, 10_000, 'the new size');
  tmux('send-keys', '-t', s, 'exit 3', 'Enter');
  await shows(s, /^EXIT=3$/m, 'the exit code');
});

test('ctrl-p ctrl-q detaches (exit 0, container running); attach resumes; exit code through attach', async () => {
  const name = `tty-${rand()}`;
  const s = session(['run', '-it', '--name', name, 'busybox', 'sh']);
  await shows(s, /^\/ #\s*$/m, 'the prompt');
  tmux('send-keys', '-t', s, 'C-p', 'C-q');
  const p = await shows(s, /EXIT=0$/m, 'the CLI exited (after the prompt: detaching prints nothing)');
  assert.ok(!/read escape sequence/.test(p), 'prints nothing on detach');
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Running}}', name]), 'true');
  const a = session(['attach', name]);
  tmux('send-keys', '-t', a, 'echo back-$((2*3))', 'Enter');
  await shows(a, /^back-6$/m, 'attached again');
  tmux('send-keys', '-t', a, 'exit 4', 'Enter');
  await shows(a, /^EXIT=4$/m, 'the exit code through attach');
  await wharfOk(t.env, ['rm', name]);
});

test('exec -it: a terminal in a running container, its exit code', async () => {
  const name = `ex-${rand()}`;
  await wharfOk(t.env, ['run', '-d', '--name', name, 'busybox', 'sleep', '300']);
  const s = session(['exec', '-it', name, 'sh']);
  await shows(s, /^\/ #\s*$/m, 'the prompt');
  // The size arrives with the resize call right after the exec starts: ask until it is there.
  await until(async () => {
    tmux('send-keys', '-t', s, 'clear; tty; stty size', 'Enter');
    await new Promise((r) => setTimeout(r, 100));
    return /^\/dev\/pts\/\d+\n30 100$/m.test(pane(s));
  }, 10_000, 'a pty of the window size');
  tmux('send-keys', '-t', s, 'exit 6', 'Enter');
  await shows(s, /^EXIT=6$/m, 'the exit code');
  await wharfOk(t.env, ['rm', '-f', name]);
});
