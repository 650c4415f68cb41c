import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const demoMain = join(repoRoot, 'apps', 'demo', 'src', 'main.ts');

/** Demo web servers a test or bench started as child processes. */
export interface DemoServers {
  /** Base URLs, one per server. */
  readonly urls: readonly string[];
  /** The servers' process ids (e.g. to read their CPU time from `/proc`). */
  readonly pids: readonly number[];
  /** What each server wrote to stderr so far (its JSON log lines), for failure messages. */
  readonly logs: readonly string[];
  /** SIGTERM to every server (graceful shutdown), SIGKILL after `timeoutMs` (default 10 s). Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

function waitForUrl(child: ChildProcess, index: number, logs: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`demo server ${index} did not listen within ${timeoutMs} ms:\n${logs[index]}`)),
      timeoutMs,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolvePromise(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo server ${index} exited with ${code} before listening:\n${logs[index]}`));
    });
  });
}

/**
 * Starts `count` demo web servers (`apps/demo/src/main.ts serve`, from source) as separate
 * Node processes on free ports, with the environment given on top of this process's (e.g.
 * `DK_STORAGE=postgres`, `DATABASE_URL`, `DK_POSTGRES_SCHEMA`, `DK_REDIS_URL`,
 * `DK_REDIS_PREFIX`), and resolves once every one listens.
 */
export async function startDemoServers({
  count,
  env,
  startTimeoutMs = 60_000,
}: {
  readonly count: number;
  readonly env: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}): Promise<DemoServers> {
  const logs = Array.from({ length: count }, () => '');
  const children = Array.from({ length: count }, (_, index) => {
    const child = spawn(process.execPath, ['--conditions=@dk/source', '--import', 'tsx', demoMain, 'serve'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DK_PORT: '0', DK_HOST: '127.0.0.1', ...env },
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      logs[index] = (logs[index]! + chunk.toString('utf8')).slice(-20_000);
    });
    return child;
  });
  let stopping: Promise<void> | undefined;
  const stop = (timeoutMs = 10_000): Promise<void> =>
    (stopping ??= Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }),
    ).then(() => undefined));
  try {
    const urls = await Promise.all(children.map((child, index) => waitForUrl(child, index, logs, startTimeoutMs)));
    return { urls, pids: children.map((child) => child.pid!), logs, stop };
  } catch (error) {
    await stop(2000);
    throw error;
  }
}

/**
 * A `useChat` request body: a user message at the conversation's cursor (the previous
 * message, when there is one, carries no node id), as the AI SDK's transport sends it.
 */
export function chatBody(id: string, text: string, first: boolean): string {
  const previous = first ? [] : [{ id: 'a', role: 'assistant', parts: [{ type: 'text', text: '…' }] }];
  return JSON.stringify({
    id,
    trigger: 'submit-message',
    messages: [...previous, { id: 'u', role: 'user', parts: [{ type: 'text', text }] }],
  });
}
