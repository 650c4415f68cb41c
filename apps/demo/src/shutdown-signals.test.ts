// Signals to `pnpm demo serve` during a streamed turn, sent to the whole process group as a
// terminal's Ctrl-C or a supervisor's SIGTERM would be: the answer, or the part streamed so
// far, must be stored in every trial, however often the signal arrives.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteConversationStore } from '@dk/storage-sqlite';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const workDir = mkdtempSync(join(tmpdir(), 'dk-demo-signals-'));

interface Trial {
  readonly signal: 'SIGINT' | 'SIGTERM';
  readonly times: 1 | 2;
  /** `finish`: the turn ends within the shutdown timeout; `cut`: it outlasts it. */
  readonly mode: 'finish' | 'cut';
}

interface Outcome {
  readonly seen: string;
  readonly finalEvent: string | undefined;
  /** The app closed its store before exiting. */
  readonly shutDown: boolean;
  readonly stored: { readonly content: string; readonly interrupted: boolean } | undefined;
}

function waitForListening(child: ChildProcess, log: { output: string }): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      log.output = output;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolvePromise(match[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`demo exited early (${code}):\n${output}`)));
  });
}

/**
 * Resolves when every process of the group has exited and its output is read: the output
 * pipes close only when the last writer (the app, which wrappers may outlive or not) is gone.
 */
function groupExited(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.stdout!.closed && child.stderr!.closed) resolvePromise();
    else child.once('close', () => resolvePromise());
  });
}

async function runTrial(trial: Trial, index: number): Promise<Outcome> {
  const database = join(workDir, `trial-${index}.db`);
  const child = spawn('pnpm', ['demo', 'serve'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DK_PORT: '0',
      DK_STORAGE: 'sqlite',
      DK_SQLITE_PATH: database,
      DK_LOG_LEVEL: 'info',
      DK_STREAM_DELAY_MS: trial.mode === 'finish' ? '5' : '60',
      DK_SHUTDOWN_TIMEOUT_MS: trial.mode === 'finish' ? '20000' : '300',
    },
  });
  try {
    const log = { output: '' };
    const url = await waitForListening(child, log);
    const created = (await (await fetch(`${url}/api/conversations`, { method: 'POST', body: '{}' })).json()) as {
      id: string;
    };
    // What the AI SDK's useChat posts; the answer is a UI message stream.
    const response = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: created.id,
        trigger: 'submit-message',
        messages: [
          { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'How do branches work in dk conversations?' }] },
        ],
      }),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let seen = '';
    let finalEvent: string | undefined;
    let signalled = false;
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data === undefined || data === '[DONE]') continue;
        const chunk = JSON.parse(data) as { type: string; delta?: string };
        if (chunk.type === 'text-delta') seen += chunk.delta ?? '';
        else if (chunk.type === 'finish' || chunk.type === 'error') finalEvent = chunk.type;
      }
      if (!signalled && seen.length > 0) {
        signalled = true;
        process.kill(-child.pid!, trial.signal);
        if (trial.times === 2) setTimeout(() => process.kill(-child.pid!, trial.signal), 30);
      }
    }
    await groupExited(child);
    // The app closed its store (SQLite removes the WAL file on a clean close): it was not killed.
    const shutDown = !existsSync(`${database}-wal`);
    const store = new SqliteConversationStore({ path: database });
    try {
      const tree = await store.load({ conversationId: created.id });
      const answer = tree?.nodes.find((node) => node.role === 'assistant');
      return {
        seen,
        finalEvent,
        shutDown,
        stored:
          answer === undefined
            ? undefined
            : { content: answer.content, interrupted: answer.metadata['interrupted'] === true },
      };
    } finally {
      await store.close();
    }
  } finally {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

const trials: Trial[] = [];
for (const mode of ['finish', 'cut'] as const)
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    for (const times of [1, 2] as const) trials.push({ signal, times, mode });

describe('pnpm demo serve under SIGINT/SIGTERM', () => {
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it.each(trials.map((trial, index) => [trial, index] as const))(
    '%o keeps the streamed answer',
    async (trial, index) => {
      const outcome = await runTrial(trial, index);
      expect(outcome.stored, JSON.stringify(outcome)).toBeDefined();
      // Everything the client saw is stored.
      expect(outcome.stored!.content.startsWith(outcome.seen), JSON.stringify(outcome)).toBe(true);
      if (trial.mode === 'finish') {
        expect(outcome.finalEvent).toBe('finish');
        expect(outcome.stored!.interrupted).toBe(false);
      } else {
        expect(outcome.stored!.interrupted).toBe(true);
      }
      expect(outcome.shutDown).toBe(true);
    },
    120_000,
  );
});
