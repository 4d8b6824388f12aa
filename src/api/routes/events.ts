// GET /events: buffered events since `since`, then live ones until `until` or disconnect,
// one JSON object per line, like Docker.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParameterError } from '../../engine/errors.js';
import { eventToJson, nowNano, type EventBus, type EventMessage } from '../../engine/events.js';
import { parseFilters } from '../../engine/filters.js';
import { queryString } from '../request.js';
import { parseTimestamp } from '../timestamps.js';

/** A subscriber this far behind is cut off rather than buffering without bound. */
const MAX_BACKLOG = 4 * 1024 * 1024;

export async function streamEvents(bus: EventBus, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const now = nowNano();
  const sinceArg = queryString(request, 'since');
  const untilArg = queryString(request, 'until');
  const since = sinceArg ? parseTimestamp(sinceArg, now) : undefined;
  const until = untilArg ? parseTimestamp(untilArg, now) : undefined;
  if (since !== undefined && until !== undefined && until < since) {
    throw new InvalidParameterError(`\`since\` time (${sinceArg}) cannot be after \`until\` time (${untilArg})`);
  }
  const filters = parseFilters(queryString(request, 'filters'));

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders(); // clients wait for the headers before showing anything

  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    if (done) return;
    done = true;
    sub.close();
    if (timer) clearTimeout(timer);
    res.end();
  };
  const write = (ev: EventMessage): void => {
    if (done) return;
    if (res.writableLength > MAX_BACKLOG) {
      request.log.warn('events subscriber too slow; closing its stream');
      finish();
      return;
    }
    res.write(eventToJson(ev) + '\n');
  };
  const sub = bus.subscribe({ since, until, filters }, write);
  for (const ev of sub.buffered) write(ev);
  res.on('close', finish);
  if (until !== undefined) {
    if (until <= now) { finish(); return; }
    timer = setTimeout(finish, Number((until - now) / 1_000_000n) + 1);
  }
}
