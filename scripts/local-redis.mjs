// A throwaway Redis for the queue tests and bench: Debian's redis-server on a free loopback port
// (127.0.0.1 only), its data in `dir`, append-only file fsynced on every write so a restart loses
// nothing (the same setting docs/scale-out.md asks of a real deployment).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function launch(port, dir) {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const t0 = Date.now();
  while (!/Ready to accept connections/.test(log)) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${log.slice(-2000)}`);
    if (Date.now() - t0 > 15000) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start within 15 s: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return child;
}

/** Start a Redis; `restart()` stops it (SIGTERM: flushes the AOF) and starts it again on the same port. */
export async function startRedis(dir) {
  const port = await freePort();
  let child = await launch(port, dir);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => child.pid,
    restart: async () => {
      await stop();
      child = await launch(port, dir);
    },
    stop,
  };
}
