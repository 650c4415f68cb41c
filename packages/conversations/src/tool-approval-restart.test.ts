// A tool loop paused for approval survives a process restart: one process runs until the
// call waits, exits; another resumes from the stored tree, approves and finishes. The tool
// runs exactly once, and a run killed mid-way is reported as interrupted, never run again
// unasked. On a real SQLite file and a real PostgreSQL schema.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropSchema, postgresTestUrl, randomSchemaName, shouldSkipPostgres } from '@dk/test-kit';
import { afterAll, describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const worker = fileURLToPath(new URL('./__fixtures__/tool-approval-worker.ts', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'dk-approval-'));

interface Run {
  readonly lines: Record<string, unknown>[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function runWorker(
  environment: Record<string, string>,
  options: { readonly killWhenFileExists?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@dk/source', '--import', 'tsx', worker], {
      cwd: repositoryRoot,
      env: { ...process.env, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let poll: NodeJS.Timeout | undefined;
    if (options.killWhenFileExists !== undefined) {
      const file = options.killWhenFileExists;
      // Kill the process while the tool runs: the note file is written when execution starts.
      poll = setInterval(() => {
        if (existsSync(file)) child.kill('SIGKILL');
      }, 5);
    }
    child.on('close', (code, signal) => {
      clearInterval(poll);
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ lines, code, signal, stderr });
    });
  });
}

function runs(noteFile: string): number {
  return existsSync(noteFile) ? readFileSync(noteFile, 'utf8').split('\n').filter(Boolean).length : 0;
}

const skipPostgres = await shouldSkipPostgres();
const schemas: string[] = [];

const backends: { name: string; skip: boolean; environment: (label: string) => Record<string, string> }[] = [
  {
    name: 'SQLite',
    skip: false,
    environment: (label) => ({ DK_STORE: 'sqlite', DK_SQLITE_PATH: join(workDir, `${label}.db`) }),
  },
  {
    name: 'PostgreSQL',
    skip: skipPostgres,
    environment: (label) => {
      const schema = randomSchemaName(`dk_approval_${label.replace(/\W/g, '_')}`);
      schemas.push(schema);
      return { DK_STORE: 'postgres', DK_POSTGRES_URL: postgresTestUrl(), DK_POSTGRES_SCHEMA: schema };
    },
  },
];

afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
  rmSync(workDir, { recursive: true, force: true });
});

// Each test starts three or four Node processes: give them time on a loaded machine.
const processTimeoutMs = 120_000;

describe.each(backends)('tool approval across a restart ($name)', ({ skip, environment }) => {
  it.skipIf(skip)(
    'pauses in one process, is approved and finished in another; the tool runs once',
    async () => {
      const base = { ...environment('restart'), DK_NOTE_FILE: join(workDir, `notes-${Math.random()}.txt`) };
      const paused = await runWorker({ ...base, DK_PHASE: 'pause' });
      expect(paused.code, paused.stderr).toBe(0);
      const first = paused.lines[0] as { conversationId: string; status: string; pending: { reason: string }[] };
      expect(first.status).toBe('pending-tool-calls');
      expect(first.pending).toMatchObject([
        { toolCallId: 'call_note', toolName: 'save_note', reason: 'needs-approval' },
      ]);
      expect(runs(base.DK_NOTE_FILE)).toBe(0);

      const approved = await runWorker({ ...base, DK_PHASE: 'approve', DK_CONVERSATION_ID: first.conversationId });
      expect(approved.code, approved.stderr).toBe(0);
      expect(approved.lines[0]).toMatchObject({ pending: [{ toolCallId: 'call_note', reason: 'needs-approval' }] });
      expect(approved.lines[1]).toEqual({
        status: 'complete',
        content: 'Your note is saved.',
        path: ['(root) system', '0 user', '0.0 assistant', '0.0.0 tool', '0.0.0.0 assistant'],
      });
      expect(runs(base.DK_NOTE_FILE)).toBe(1);

      // A third process finds nothing pending and cannot run the call again.
      const later = await runWorker({ ...base, DK_PHASE: 'inspect', DK_CONVERSATION_ID: first.conversationId });
      expect(later.lines[0]).toEqual({ pending: [] });
      expect(runs(base.DK_NOTE_FILE)).toBe(1);
    },
    processTimeoutMs,
  );

  it.skipIf(skip)(
    'a process killed while the approved tool runs leaves the call interrupted, not re-run',
    async () => {
      const base = { ...environment('killed'), DK_NOTE_FILE: join(workDir, `notes-${Math.random()}.txt`) };
      const paused = await runWorker({ ...base, DK_PHASE: 'pause' });
      const { conversationId } = paused.lines[0] as { conversationId: string };
      const killed = await runWorker(
        { ...base, DK_PHASE: 'approve', DK_CONVERSATION_ID: conversationId, DK_TOOL_DELAY_MS: '30000' },
        { killWhenFileExists: base.DK_NOTE_FILE },
      );
      expect(killed.signal).toBe('SIGKILL');
      expect(runs(base.DK_NOTE_FILE)).toBe(1);

      const inspect = await runWorker({ ...base, DK_PHASE: 'inspect', DK_CONVERSATION_ID: conversationId });
      expect(inspect.lines[0]).toMatchObject({ pending: [{ toolCallId: 'call_note', reason: 'interrupted' }] });
      // Approving again without `rerun` refuses; with it, the call runs a second time by choice.
      const refused = await runWorker({ ...base, DK_PHASE: 'approve', DK_CONVERSATION_ID: conversationId });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/rerun: true/);
      expect(runs(base.DK_NOTE_FILE)).toBe(1);
      const rerun = await runWorker({
        ...base,
        DK_PHASE: 'approve',
        DK_CONVERSATION_ID: conversationId,
        DK_RERUN: '1',
      });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.lines[1]).toMatchObject({ status: 'complete' });
      expect(runs(base.DK_NOTE_FILE)).toBe(2);
    },
    processTimeoutMs,
  );
});
