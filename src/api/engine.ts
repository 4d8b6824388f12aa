// What the API layer needs from the engine. Routes stay thin: they parse HTTP, call these, and
// shape the answer. Containers/images/exec route groups add their own engine interfaces.
import type { FastifyInstance } from 'fastify';
import type { EventBus } from '../engine/events.js';

/** Daemon identity and configuration shown by /version and /info. */
export interface EngineSettings {
  /** Stable engine ID (persisted in the data root). */
  id: string;
  /** Host name shown as Info.Name. */
  name: string;
  /** wharf's version, reported as the server Version. */
  version: string;
  dataRoot: string;
  execRoot: string;
  debug: boolean;
  experimental: boolean;
  loggingDriver: string;
  /** Daemon labels (Info.Labels). */
  labels: string[];
  defaultRuntime: string;
  runtimes: Record<string, { path: string; runtimeArgs?: string[] }>;
  initBinary: string;
}

export interface ContainerCounts {
  total: number;
  running: number;
  paused: number;
  stopped: number;
}

/** Live facts for /info, supplied by the subsystems as they are built. All optional. */
export interface InfoCallbacks {
  containers?(): ContainerCounts | Promise<ContainerCounts>;
  images?(): number | Promise<number>;
  storageDriver?(): { name: string; status: [string, string][] };
  plugins?(): { Volume: string[]; Network: string[]; Log: string[] };
  warnings?(): string[];
}

export interface ApiEngine {
  readonly events: EventBus;
  readonly settings: EngineSettings;
  readonly info?: InfoCallbacks;
}

/** A route group: registers its routes on the app (one file per group under src/api/routes/). */
export type RouteRegistrar = (app: FastifyInstance) => void;
