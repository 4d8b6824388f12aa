// Docker-shaped container configs for built images: the field order and nulls Docker writes,
// and the Cmd "comments" ("/bin/sh -c #(nop) ...") that record metadata steps in history.
import type { ContainerConfig } from '../image/index.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** Go's %q of a string slice: ["a" "b c"]. */
export function goQuoted(list: readonly string[] | null | undefined): string {
  return `[${(list ?? []).map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** Go's %v of a string slice: [a b c]. */
export function goList(list: readonly string[] | null | undefined): string {
  return `[${(list ?? []).join(' ')}]`;
}

/** Cmd recording a metadata step: ["/bin/sh", "-c", "#(nop) ", "ENV A=1"]. */
export const nopCmd = (comment: string): string[] => ['/bin/sh', '-c', '#(nop) ', comment];
/** Cmd recording COPY/ADD/WORKDIR: ["/bin/sh", "-c", "#(nop) WORKDIR /srv"]. */
export const nopCmdString = (comment: string): string[] => ['/bin/sh', '-c', `#(nop) ${comment}`];

const hasKeys = (o: Record<string, unknown> | null | undefined): boolean => !!o && Object.keys(o).length > 0;

/** A config with Docker's fields, in Docker's order (empty maps as null, optional ones omitted). */
export function dockerConfig(c: ContainerConfig, hostname = ''): ContainerConfig {
  const out: ContainerConfig = {
    Hostname: hostname,
    Domainname: '',
    User: c.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(hasKeys(c.ExposedPorts) ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.Env?.length ? [...c.Env] : null as unknown as string[],
    Cmd: c.Cmd?.length ? [...c.Cmd] : null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(c.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: (c.Image as string | undefined) ?? '',
    Volumes: hasKeys(c.Volumes) ? c.Volumes : null as unknown as Record<string, object>,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint?.length ? [...c.Entrypoint] : null,
    OnBuild: c.OnBuild?.length ? [...c.OnBuild] : null,
    Labels: hasKeys(c.Labels) ? c.Labels : null as unknown as Record<string, string>,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Shell?.length ? { Shell: c.Shell } : {}),
  };
  return out;
}

/** Sets KEY=value in an env list, in place of an existing KEY (Docker's ENV rule). */
export function setEnv(env: string[], key: string, value: string): string[] {
  const out = [...env];
  const i = out.findIndex((e) => e.split('=')[0] === key);
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}
