// Redis connections for the worker and the queue commands. The --redis URL is checked up front
// (usage error), the server is probed once with a clear error, and afterwards connections retry:
// the worker forever (a Redis restart must not stop it), the short-lived commands for a minute.
import { Redis } from 'ioredis';
import { CliError, UsageError, errorMessage } from '../errors.js';

export const DEFAULT_QUEUE = 'stylepack';

/** The URL without its password, for messages. */
export function redactUrl(url: URL): string {
  const u = new URL(url.href);
  if (u.password) u.password = '***';
  return u.href;
}

export function parseRedisUrl(raw: string, command: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--redis must be a URL like redis://127.0.0.1:6379 (got "${raw}").`, command);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`--redis must start with redis:// or rediss:// (got "${url.protocol}").`, command);
  if (url.pathname.length > 1 && !/^\/\d+$/.test(url.pathname)) throw new UsageError(`--redis: the path of the URL is the database number, e.g. redis://host:6379/0 (got "${url.pathname}").`, command);
  return url;
}

export function checkQueueName(name: string, command: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new UsageError(`--queue must be 1-64 letters, digits, "-" or "_" (got "${name}").`, command);
  return name;
}

/** A connection for BullMQ. `forever`: reconnect without limit (workers); otherwise give up after about a minute. */
export function connect(url: URL, forever: boolean): Redis {
  return new Redis(url.href, {
    // BullMQ's blocking commands need this; commands wait for the reconnect instead of failing.
    maxRetriesPerRequest: null,
    retryStrategy: (times) => (forever || times <= 30 ? Math.min(200 * times, 2000) : null),
  });
}

/** Fail fast with a readable error when nothing answers at `url`. */
export async function probe(url: URL): Promise<void> {
  const r = new Redis(url.href, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
  let cause: unknown; // the socket's own error (ECONNREFUSED...), more telling than "Connection is closed"
  r.on('error', (e) => (cause ??= e));
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    throw new CliError(`Cannot reach Redis at ${redactUrl(url)} (${errorMessage(cause ?? e)}). Is redis-server running there, and is the address right?`);
  } finally {
    r.disconnect();
  }
}
