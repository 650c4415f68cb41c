import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Redis server tests share: `DK_TEST_REDIS_URL`, else the local server at 127.0.0.1:6379. */
export function redisTestUrl(): string {
  return process.env['DK_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

/** A fresh key prefix for one test run (`dk-test:<random>:`): tests never touch other keys of a shared server. */
export function randomRedisPrefix(prefix = 'dk-test'): string {
  return `${prefix}:${randomBytes(6).toString('hex')}:`;
}

/** True when a Redis server at `host:port` answers PING within `timeoutMs`. */
export function pingRedis(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString('utf8').startsWith('+PONG')));
  });
}

/** Whether Redis tests should be skipped: only when the server is unreachable AND this is not CI. */
export async function shouldSkipRedis(): Promise<boolean> {
  if (process.env['CI']) return false;
  const url = new URL(redisTestUrl());
  return !(await pingRedis(url.hostname, Number(url.port || 6379)));
}

/** Whether the machine has `redis-server` and `redis-cli` (for tests that start their own servers). */
export async function hasRedisBinaries(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    await run('redis-cli', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** A free loopback TCP port (and, with `busPort`, port + 10000 free too, for a cluster bus). */
async function freePort(busPort = false): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    if (!busPort) return port;
    if (port + 10_000 > 65_535) continue;
    const busFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 10_000, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (busFree) return port;
  }
}

const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A `redis-server` process a test started on a loopback port, in a temporary directory. */
export interface RedisServerProcess {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Kills the server at once (SIGKILL): connections drop, nothing is saved. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (after `kill`), empty. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

function startProcess(port: number, directory: string, extra: readonly string[]): ChildProcess {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      directory,
      '--logfile',
      join(directory, `redis-${port}.log`),
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  child.on('error', () => {});
  return child;
}

async function killProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** Starts a standalone `redis-server` on a free loopback port (no persistence); `stop()` it after. */
export async function startRedisServer(): Promise<RedisServerProcess> {
  const directory = mkdtempSync(join(tmpdir(), 'dk-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = startProcess(port, directory, []);
    await waitFor(`redis-server on port ${port}`, () => pingRedis('127.0.0.1', port, 500));
  };
  await start();
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => killProcess(child, 'SIGKILL'),
    restart: start,
    async stop() {
      if (stopped) return;
      stopped = true;
      await killProcess(child, 'SIGTERM');
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A Redis Cluster a test started: masters on loopback ports, slots spread over them. */
export interface RedisClusterProcess {
  /** The masters' addresses (give them all to the client as startup nodes). */
  readonly nodes: readonly { readonly host: '127.0.0.1'; readonly port: number }[];
  /** Stops every node and removes their directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of `masters` nodes (default 3, no replicas) on free loopback ports
 * with `redis-server --cluster-enabled yes`, joins them with `redis-cli --cluster create`, and
 * waits until every node reports `cluster_state:ok`. `stop()` it after.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterProcess> {
  const directory = mkdtempSync(join(tmpdir(), 'dk-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => killProcess(child, 'SIGTERM')));
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < masters; index += 1) {
      let port = await freePort(true);
      while (ports.includes(port)) port = await freePort(true);
      ports.push(port);
      children.push(
        startProcess(port, directory, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(directory, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
        ]),
      );
    }
    for (const port of ports) await waitFor(`cluster node ${port}`, () => pingRedis('127.0.0.1', port, 500));
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 60_000 },
    );
    for (const port of ports) {
      await waitFor(`cluster_state:ok on ${port}`, async () => {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        return stdout.includes('cluster_state:ok');
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  let stopped = false;
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1' as const, port })),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stop();
    },
  };
}
