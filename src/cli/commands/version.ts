// wharf version: the Client and Server sections laid out exactly as docker 20.10 prints them.
import type { Command } from 'commander';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildInfo } from '../build-info.js';
import { CLIENT_API_VERSION } from '../client.js';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { tabwrite } from '../format/tabwriter.js';
import { Template } from '../format/template.js';
import { FUNCS } from '../format/template-values.js';
import { formatOption } from './listing-common.js';

const VERSION_TEMPLATE = `{{with .Client -}}
Client:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 Version:\t{{.Version}}
 API version:\t{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Go version:\t{{.GoVersion}}
 Git commit:\t{{.GitCommit}}
 Built:\t{{.BuildTime}}
 OS/Arch:\t{{.Os}}/{{.Arch}}
 Context:\t{{.Context}}
 Experimental:\t{{.Experimental}}
{{- end}}

{{- if .ServerOK}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:\t{{.Version}}
  API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:\t{{index .Details "GoVersion"}}
  Git commit:\t{{index .Details "GitCommit"}}
  Built:\t{{index .Details "BuildTime"}}
  OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:\t{{index .Details "Experimental"}}
  {{- else }}
  Version:\t{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:\t{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}}`;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.ANSIC layout "Mon Jan _2 15:04:05 2006" in local time (how docker shows build times). */
export function ansic(d: Date): string {
  const t = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${t} ${d.getFullYear()}`;
}

/** An RFC 3339 build time reformatted as docker does; other text unchanged. */
function reformatTime(v: unknown): unknown {
  if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(v)) return v;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? v : ansic(new Date(ms));
}

function buildTime(): string {
  try { return ansic(fs.statSync(fileURLToPath(import.meta.url)).mtime); } catch { return ''; }
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

export function clientInfo(): Record<string, unknown> {
  return {
    Platform: { Name: '' },
    Version: buildInfo().version,
    APIVersion: CLIENT_API_VERSION,
    DefaultAPIVersion: CLIENT_API_VERSION,
    GoVersion: `node${process.versions.node}`,
    GitCommit: buildInfo().commit,
    BuildTime: buildTime(),
    Os: process.platform,
    Arch: ARCH[process.arch] ?? process.arch,
    Context: 'default',
    Experimental: true,
  };
}

async function runVersion(c: CliContext, format: string | undefined): Promise<void> {
  let server: Record<string, unknown> | undefined;
  let serverErr: Error | undefined;
  try {
    server = await c.api.get<Record<string, unknown>>('/version');
    if (!Array.isArray(server.Components)) {
      server.Components = [{ Name: 'Engine', Version: server.Version, Details: {
        ApiVersion: server.ApiVersion, MinAPIVersion: server.MinAPIVersion, GoVersion: server.GoVersion, GitCommit: server.GitCommit,
        BuildTime: server.BuildTime, Os: server.Os, Arch: server.Arch, Experimental: String(server.Experimental ?? false),
      } }];
    }
    server.Platform ??= { Name: '' };
    // docker reformats the components' build times only.
    for (const comp of server.Components as { Details?: Record<string, unknown> }[]) {
      if (comp.Details?.BuildTime) comp.Details.BuildTime = reformatTime(comp.Details.BuildTime);
    }
  } catch (err) {
    serverErr = err as Error;
  }
  const funcs = {
    ...FUNCS,
    getDetailsOrder: (comp: unknown) => Object.keys((comp as { Details?: object }).Details ?? {}).sort(),
  };
  const data = { Client: clientInfo(), Server: server, ServerOK: () => server !== undefined };
  const source = format ? format.replace(/^json$/, '{{json .}}') : VERSION_TEMPLATE;
  let text: string;
  try {
    text = new Template(source, funcs, { name: 'version' }).execute(data);
  } catch (err) {
    throw new CliExit(1, (err as Error).message);
  }
  c.stdout.write(tabwrite(`${text}\n`, { minwidth: 20, padding: 1 }));
  if (serverErr) throw serverErr;
}

export function register(program: Command, ctx: () => CliContext): void {
  program.command('version').description('Show the Docker version information')
    .addOption(formatOption('Format the output using the given Go template'))
    .action(async (o: { format?: string }) => runVersion(ctx(), o.format));
}
