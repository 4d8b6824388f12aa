// The daemon's event bus: every container/image/... event, shaped like Docker's events.Message,
// fanned out to subscribers (GET /events) and kept in a bounded ring for `since` queries.
import { exactMatch, fuzzyMatch, matchKeyValueList, NO_FILTERS, type FilterArgs } from './filters.js';

export type EventType =
  | 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'node' | 'service' | 'secret' | 'config' | 'builder';

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

/** One event, as Docker serializes it (API <= 1.51 keeps the legacy status/id/from fields). */
export interface EventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: EventActor;
  scope: 'local';
  time: number;
  /** Nanoseconds since the epoch; a bigint because it does not fit a double exactly. */
  timeNano: bigint;
}

/** JSON text of an event (timeNano written as an exact integer). */
export function eventToJson(ev: EventMessage): string {
  const { timeNano, ...rest } = ev;
  return JSON.stringify(rest).slice(0, -1) + `,"timeNano":${timeNano}}`;
}

export interface SubscribeOptions {
  /** Replay buffered events at or after this time (ns). */
  since?: bigint;
  /** Replay and deliver only events at or before this time (ns). */
  until?: bigint;
  filters?: FilterArgs;
}

export interface Subscription {
  /** Buffered events matching since/until/filters, oldest first. */
  readonly buffered: EventMessage[];
  close(): void;
}

type Listener = { filters: FilterArgs; until?: bigint; onEvent: (ev: EventMessage) => void };

/** Wall-clock time in ns with sub-millisecond resolution. */
export function nowNano(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export class EventBus {
  private readonly ring: EventMessage[] = [];
  private readonly listeners = new Set<Listener>();
  private lastNano = 0n;

  /** Docker keeps the last 256 events for `since`; so do we by default. */
  constructor(private readonly capacity = 256) {}

  /** Number of live subscribers (SystemInfo.NEventsListener). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Records and publishes an event; returns it. */
  emit(type: EventType, action: string, actor: { ID: string; Attributes?: Record<string, string> }): EventMessage {
    let nano = nowNano();
    if (nano <= this.lastNano) nano = this.lastNano + 1n; // keep a strict order for since/until
    this.lastNano = nano;
    const ev: EventMessage = {
      Type: type,
      Action: action,
      Actor: { ID: actor.ID, Attributes: { ...(actor.Attributes ?? {}) } },
      scope: 'local',
      time: Number(nano / 1_000_000_000n),
      timeNano: nano,
    };
    if (type === 'container') {
      ev.status = action;
      ev.id = actor.ID;
      const image = ev.Actor.Attributes.image;
      if (image !== undefined) ev.from = image;
    } else if (type === 'image') {
      ev.status = action;
      ev.id = actor.ID;
    }
    this.ring.push(ev);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const l of this.listeners) {
      if (l.until !== undefined && nano > l.until) continue;
      if (!eventMatches(ev, l.filters)) continue;
      try {
        l.onEvent(ev);
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
    return ev;
  }

  /**
   * Subscribes to new events matching `opts.filters`. Buffered events are returned only when
   * since or until is set (Docker's rule): those with since <= timeNano <= until.
   */
  subscribe(opts: SubscribeOptions, onEvent: (ev: EventMessage) => void): Subscription {
    const filters = opts.filters ?? NO_FILTERS;
    const buffered: EventMessage[] = [];
    if (opts.since !== undefined || opts.until !== undefined) {
      for (const ev of this.ring) {
        if (opts.since !== undefined && ev.timeNano < opts.since) continue;
        if (opts.until !== undefined && ev.timeNano > opts.until) continue;
        if (eventMatches(ev, filters)) buffered.push(ev);
      }
    }
    const listener: Listener = { filters, until: opts.until, onEvent };
    this.listeners.add(listener);
    return { buffered, close: () => { this.listeners.delete(listener); } };
  }
}

/** "busybox:latest" -> "busybox"; leaves digests and registry ports alone. */
function stripTag(ref: string): string {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

/** Object-type filters matched against the actor's ID (prefix) or name, as Docker does. */
const NAMED_TYPES = ['container', 'volume', 'network', 'plugin', 'node', 'service', 'secret', 'config', 'daemon'] as const;

/** Docker's events filter (daemon/events/filter.go): every given key must match. */
export function eventMatches(ev: EventMessage, f: FilterArgs): boolean {
  if (f.size === 0) return true;
  const attrs = ev.Actor.Attributes;
  const fuzzyEvent = ['health_status', 'exec_create', 'exec_start'].some((a) => f.get('event')?.has(a));
  const eventOk = fuzzyEvent ? fuzzyMatch(f, 'event', ev.Action) : exactMatch(f, 'event', ev.Action);
  if (!eventOk || !exactMatch(f, 'type', ev.Type) || !exactMatch(f, 'scope', ev.scope)) return false;
  for (const key of NAMED_TYPES) {
    if (!f.has(key)) continue;
    if (!fuzzyMatch(f, key, ev.Actor.ID) && !fuzzyMatch(f, key, attrs.name ?? '')) return false;
  }
  if (f.has('name') && !exactMatch(f, 'name', attrs.name ?? '')) return false;
  if (f.has('image')) {
    const imageName = (ev.Type === 'image' ? attrs.name : attrs.image) ?? '';
    const candidates = [ev.Actor.ID, imageName, stripTag(ev.Actor.ID), stripTag(imageName)];
    if (!candidates.some((c) => exactMatch(f, 'image', c))) return false;
  }
  return matchKeyValueList(f, 'label', attrs);
}
