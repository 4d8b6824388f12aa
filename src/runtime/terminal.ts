// Window size of a container's terminal without the monitor's relay: stty on the pty slave the
// init holds as stdio (a daemon restarted since the container started has no channel to the
// monitor). TIOCSWINSZ on the slave sends SIGWINCH to its foreground process group like the master.
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/** The init's stdio entry that is a pty slave, as a /proc path, or undefined. */
export function ptySlaveOf(pid: number): string | undefined {
  for (const fd of [0, 1, 2]) {
    const link = `/proc/${pid}/fd/${fd}`;
    try {
      if (/^\/dev\/pts\/\d+$/.test(readlinkSync(link))) return link;
    } catch { /* gone or not readable */ }
  }
  return undefined;
}

export function resizeTerminalOf(pid: number, rows: number, cols: number): Promise<void> {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || rows > 65535 || cols > 65535) {
    return Promise.reject(new RangeError(`invalid terminal size ${rows}x${cols}`));
  }
  const tty = ptySlaveOf(pid);
  if (!tty) return Promise.reject(new Error(`process ${pid} has no terminal to resize`));
  return new Promise((resolve, reject) => {
    execFile('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)], (err, _out, stderr) => {
      if (err) reject(new Error(`resizing the terminal of ${pid}: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}
