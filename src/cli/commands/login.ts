// wharf login / logout: POST /auth through the daemon, credentials kept in config.json's "auths"
// exactly as docker stores them without a credential helper (base64 "user:password").
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { configDir, readConfig, readLine, writeConfig } from './listing-common.js';

const HUB = 'https://index.docker.io/v1/';

/** The config.json key for a server: docker hub's v1 URL, otherwise the host as given. */
export function serverKey(server: string | undefined): string {
  if (!server || server === 'docker.io' || server === 'index.docker.io' || server === HUB || server === 'registry-1.docker.io') return HUB;
  return server.replace(/^https?:\/\//, '').replace(/\/+$/, '').replace(/\/v[12]$/, '');
}

async function readPassword(c: CliContext): Promise<string> {
  c.stdout.write('Password: ');
  const raw = c.stdin.isTTY ? c.stdin.setRawMode?.(true) : undefined;
  try {
    if (!c.stdin.isTTY) return await readLine(c.stdin);
    return await new Promise<string>((resolve) => {
      let buf = '';
      const onData = (d: Buffer): void => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') { c.stdin.off('data', onData); c.stdin.pause(); resolve(buf); return; }
          if (ch === '\u0003') process.exit(130);
          if (ch === '\u007f') buf = buf.slice(0, -1);
          else buf += ch;
        }
      };
      c.stdin.on('data', onData);
      c.stdin.resume();
    });
  } finally {
    if (raw) c.stdin.setRawMode?.(false);
    if (c.stdin.isTTY) c.stdout.write('\n');
  }
}

interface LoginOptions { username?: string; password?: string; passwordStdin?: boolean }

async function runLogin(c: CliContext, cmd: Command, server: string | undefined, o: LoginOptions): Promise<void> {
  if (o.password) c.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  let password = o.password;
  if (o.passwordStdin) {
    if (o.password) throw new CliExit(1, '--password and --password-stdin are mutually exclusive');
    if (!o.username) throw new CliExit(1, 'Must provide --username with --password-stdin');
    password = (await readLine(c.stdin)).replace(/[\r\n]+$/, '');
  }
  const key = serverKey(server);
  let username = o.username;
  if (!username) {
    c.stdout.write('Username: ');
    username = (await readLine(c.stdin)).trim();
  }
  if (!username) throw new CliExit(1, 'Error: Non-null Username Required');
  if (!password) password = await readPassword(c);
  if (!password) throw new CliExit(1, 'Error: Password Required');
  const res = await c.api.post<{ Status?: string; IdentityToken?: string }>('/auth', { username, password, serveraddress: key });
  const dir = configDir(cmd);
  const cfg = readConfig(dir);
  cfg.auths ??= {};
  const entry: { auth?: string; identitytoken?: string } = res.IdentityToken
    ? { auth: Buffer.from(`${username}:`).toString('base64'), identitytoken: res.IdentityToken }
    : { auth: Buffer.from(`${username}:${password}`).toString('base64') };
  cfg.auths[key] = entry;
  const file = writeConfig(dir, cfg);
  c.stderr.write(`WARNING! Your password will be stored unencrypted in ${file}.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/engine/reference/commandline/login/#credentials-store\n\n`);
  c.stdout.write(`${res.Status || 'Login Succeeded'}\n`);
}

async function runLogout(c: CliContext, cmd: Command, server: string | undefined): Promise<void> {
  const key = serverKey(server);
  const dir = configDir(cmd);
  const cfg = readConfig(dir);
  const candidates = [key, `https://${key}`, `http://${key}`];
  const found = candidates.filter((k) => cfg.auths?.[k]);
  if (!found.length) {
    c.stdout.write(`Not logged in to ${key}\n`);
    return;
  }
  c.stdout.write(`Removing login credentials for ${key}\n`);
  for (const k of found) delete cfg.auths![k];
  writeConfig(dir, cfg);
}

export function register(program: Command, ctx: () => CliContext): void {
  const login = program.command('login').description('Log in to a Docker registry').argument('[SERVER]')
    .option('-u, --username <string>', 'Username')
    .option('-p, --password <string>', 'Password')
    .option('--password-stdin', 'Take the password from stdin');
  login.action(async (server: string | undefined, o: LoginOptions) => runLogin(ctx(), login, server, o));
  const logout = program.command('logout').description('Log out from a Docker registry').argument('[SERVER]');
  logout.action(async (server: string | undefined) => runLogout(ctx(), logout, server));
}
