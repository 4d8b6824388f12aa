// Docker-shaped views of a container: inspect (ContainerJSON) and the list summary.
import type { ContainerRecord } from '../container-store.js';
import { statusOf, type ContainerSpec, type ContainerState } from './types.js';
import { statusText } from './status-text.js';
import { mountsView } from '../../volume/index.js';

export type Rec = ContainerRecord<ContainerSpec, ContainerState>;

export interface SizeInfo { SizeRw: number; SizeRootFs: number }

/** The network layer's view of a container (see network/types.ts ContainerNetworking.view). */
export interface NetView { settings: Record<string, unknown>; ports: Record<string, unknown>[]; networks: Record<string, unknown> }

/** Network name Docker shows for a NetworkMode. */
export function networkName(mode: string | undefined): string {
  if (!mode || mode === 'default') return 'bridge';
  if (mode.startsWith('container:')) return 'none';
  return mode;
}

function endpoint(): Record<string, unknown> {
  return {
    IPAMConfig: null, Links: null, Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '',
    IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null,
  };
}

function networkSettings(rec: Rec): Record<string, unknown> {
  const mode = rec.config.HostConfig.NetworkMode;
  const networks = mode?.startsWith('container:') ? {} : { [networkName(mode)]: endpoint() };
  return {
    Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, Ports: {},
    SandboxKey: '', SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: '', Gateway: '',
    GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', MacAddress: '',
    Networks: networks,
  };
}

function configView(rec: Rec): Record<string, unknown> {
  const c = rec.config.Config;
  return {
    Hostname: c.Hostname ?? '', Domainname: c.Domainname ?? '', User: c.User ?? '',
    AttachStdin: c.AttachStdin ?? false, AttachStdout: c.AttachStdout ?? false, AttachStderr: c.AttachStderr ?? false,
    ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: c.Tty ?? false, OpenStdin: c.OpenStdin ?? false, StdinOnce: c.StdinOnce ?? false,
    Env: c.Env ?? null, Cmd: c.Cmd ?? null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    Image: c.Image ?? '', Volumes: c.Volumes ?? null, WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null, OnBuild: c.OnBuild ?? null, Labels: c.Labels ?? {},
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.StopTimeout != null ? { StopTimeout: c.StopTimeout } : {}),
  };
}

export function inspectView(rec: Rec, graph: { Name: string; Data: Record<string, string> | null }, size?: SizeInfo, net?: NetView): Record<string, unknown> {
  const s = rec.state;
  const spec = rec.config;
  return {
    Id: rec.id,
    Created: rec.created,
    Path: spec.Path,
    Args: spec.Args,
    State: {
      Status: statusOf(s), Running: s.Running, Paused: s.Paused, Restarting: s.Restarting, OOMKilled: s.OOMKilled,
      Dead: s.Dead, Pid: s.Pid, ExitCode: s.ExitCode, Error: s.Error, StartedAt: s.StartedAt, FinishedAt: s.FinishedAt,
      ...(s.Health ? { Health: s.Health } : {}),
    },
    Image: spec.Image,
    ResolvConfPath: spec.ResolvConfPath,
    HostnamePath: spec.HostnamePath,
    HostsPath: spec.HostsPath,
    LogPath: spec.HostConfig.LogConfig?.Type === 'none' ? '' : spec.LogPath,
    Name: `/${rec.name}`,
    RestartCount: s.RestartCount,
    Driver: spec.Driver,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: spec.HostConfig,
    GraphDriver: graph,
    ...(size ?? {}),
    Mounts: mountsView(spec.MountPoints),
    Config: configView(rec),
    NetworkSettings: net?.settings ?? networkSettings(rec),
  };
}

/** Docker's Command column: Path plus args, args with spaces single-quoted. */
export function commandLine(spec: ContainerSpec): string {
  if (spec.Args.length === 0) return spec.Path;
  return `${spec.Path} ${spec.Args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

export function summaryView(rec: Rec, size?: SizeInfo, net?: NetView): Record<string, unknown> {
  const spec = rec.config;
  const mode = spec.HostConfig.NetworkMode;
  return {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: spec.Config.Image ?? spec.Image,
    ImageID: spec.Image,
    Command: commandLine(spec),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: net?.ports ?? [],
    ...(size ?? {}),
    Labels: spec.Config.Labels ?? {},
    State: statusOf(rec.state),
    Status: statusText(rec.state),
    HostConfig: { NetworkMode: mode || 'default' },
    NetworkSettings: { Networks: net?.networks ?? (mode?.startsWith('container:') ? {} : { [networkName(mode)]: endpoint() }) },
    Mounts: mountsView(spec.MountPoints),
  };
}
