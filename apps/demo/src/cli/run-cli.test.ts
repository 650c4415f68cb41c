import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatService } from '../chat/chat-service.js';
import { createDemoApp } from '../compose/create-demo-app.js';
import type { DemoApp } from '../compose/demo-app.js';
import { loadConfig } from '../config/load-config.js';
import { runCli } from './run-cli.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `pnpm demo`'s entry point as a child process and collects its output. */
function runDemo(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--conditions=@dk/source', '--import', 'tsx', 'src/main.ts', ...args], {
      cwd: appDir,
      env: { ...process.env, DK_ENV: 'development', DK_PROVIDER: 'echo', DK_STORAGE: 'sqlite', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('terminal chat as a child process (echo + a temporary SQLite file)', () => {
  const sqlite = join(mkdtempSync(join(tmpdir(), 'dk-demo-cli-')), 'chat.db');

  it('runs a script from stdin: messages, branching slash commands, then resumes in a second run', async () => {
    const script = [
      'hello',
      'how is storage done?',
      '/edit 0 hi again',
      '/tree',
      '/switch 0.0',
      '/regen',
      '/branches',
      '/quit',
      'never sent',
    ].join('\n');
    const first = await runDemo([], { DK_SQLITE_PATH: sqlite }, script);
    expect(first.stderr).toMatch(/Indexing RAG corpus: 6 files indexed/);
    expect(first.code).toBe(0);
    const id = /Started conversation (\S+)/.exec(first.stdout)?.[1] ?? '';
    expect(id).not.toBe('');
    expect(first.stdout).toContain('assistant> Echo: hello\n  [node 0.0]');
    // The second question is rendered through the chat prompt with the RAG corpus.
    expect(first.stdout).toMatch(
      /assistant> Echo: how is storage done\?\n\nReference documents:\n<document index="1" source="storage\.md#1"/,
    );
    expect(first.stdout).toContain('Editing 0 into a new branch\nassistant> Echo: hi again\n  [node 1.0]');
    expect(first.stdout).toMatch(/^\* {3}1 user: hi again \(edit of 0\)$/m);
    expect(first.stdout).toMatch(/^> {5}1\.0 assistant: Echo: hi again$/m);
    expect(first.stdout).toContain('Cursor at 0.0\nyou> /regen\nassistant> Echo: hello\n  [node 0.1]');
    expect(first.stdout).toContain('Branches under 0:\n  0.0 assistant: Echo: hello\n  0.1 assistant: Echo: hello\n');
    expect(first.stdout).not.toContain('never sent');

    // A unique prefix of the id is enough to resume; the save_note tool waits for /approve.
    const second = await runDemo(
      ['--resume', id.slice(0, 8), '-m', 'back again', '-m', '/tree', '-m', 'note: buy milk', '-m', '/approve'],
      { DK_SQLITE_PATH: sqlite },
    );
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`Resumed conversation ${id}`);
    // The stored cursor (0.1, the regenerated answer) is where the conversation continues.
    expect(second.stdout).toMatch(/assistant> Echo: back again[^]*?\n {2}\[node 0\.1\.0\.0\]/);
    expect(second.stdout).toMatch(/^\* {5}0\.1 assistant: Echo: hello$/m);
    expect(second.stdout).toMatch(/^ {8}0\.0\.0 user: how is storage done\?$/m);
    expect(second.stdout).toMatch(
      /save_note wants to run with \{"text":"buy milk"\} \(call call_\w+\)\. \/approve or \/reject/,
    );
    expect(second.stdout).toContain('[tool save_note ran]\nSaved your note: "buy milk".');
  }, 60_000); // two cold starts of the app; slow on a loaded CI machine
});

describe('terminal chat in process', () => {
  let app: DemoApp;
  beforeAll(async () => {
    const config = await loadConfig({ appDir, env: { DK_STORAGE: 'memory', DK_LOG_LEVEL: 'silent' } });
    app = await createDemoApp({ config, appDir, env: {} });
  });
  afterAll(() => app.close());

  it('Ctrl+C stops the answer being streamed and says "stopped", not an error; the text so far is kept', async () => {
    const config = await loadConfig({
      appDir,
      env: { DK_STORAGE: 'memory', DK_LOG_LEVEL: 'silent', DK_STREAM_DELAY_MS: '40' },
    });
    const slow = await createDemoApp({ config, appDir, env: {} });
    try {
      const chat = new ChatService(slow);
      const input = new PassThrough();
      const output = new PassThrough();
      let text = '';
      output.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const running = runCli({ chat, input, output, interactive: true, maxMessageChars: 1000 });
      input.write('tell me a long story about branches and trees\r');
      while (!text.includes('assistant> Echo')) await new Promise((resolve) => setTimeout(resolve, 10));
      input.write('\u0003'); // Ctrl+C
      while (!text.includes('[stopped]')) await new Promise((resolve) => setTimeout(resolve, 10));
      input.write('/quit\r');
      expect(await running).toBe(0);
      expect(text).not.toContain('error');
      const id = /Started conversation (\S+)/.exec(text)?.[1] ?? '';
      const answer = (await chat.tree(id)).nodes.find((node) => node.role === 'assistant');
      expect(answer?.interrupted).toBe(true);
      expect('Echo: tell me a long story about branches and trees'.startsWith(answer?.text ?? 'x')).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('streams the answer in several writes as it arrives', async () => {
    const writes: string[] = [];
    const output = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writes.push(chunk.toString());
        callback();
      },
    });
    const failures = await runCli({
      chat: new ChatService(app),
      input: new PassThrough(),
      output,
      interactive: false,
      messages: ['stream this answer please'],
      maxMessageChars: 100,
    });
    expect(failures).toBe(0);
    const start = writes.indexOf('assistant> ');
    const end = writes.findIndex((write) => write.startsWith('\n  [node'));
    // The echo provider repeats the prompt, which may carry the RAG documents after the question.
    expect(writes.slice(start + 1, end).join('')).toMatch(/^Echo: stream this answer please(\n|$)/);
    expect(end - start - 1).toBeGreaterThan(3);
  });

  it('reports bad commands and unknown conversations, and keeps going', async () => {
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const chat = new ChatService(app);
    const failures = await runCli({
      chat,
      input: new PassThrough(),
      output,
      interactive: false,
      messages: ['/switch', '/resume nope', '/bogus', '/edit 0', 'still here'],
      maxMessageChars: 100,
    });
    expect(failures).toBe(4);
    expect(text).toContain('error: missing argument. Usage: /switch <node id>');
    expect(text).toContain('error: no conversation id starts with "nope". /list shows them');
    expect(text).toContain('error: unknown command /bogus. Type /help for the list');
    expect(text).toContain('error: missing text. Usage: /edit <node id> <new text>');
    expect(text).toContain('assistant> Echo: still here');
    await expect(
      runCli({ chat, input: new PassThrough(), output, interactive: false, resume: 'nope', maxMessageChars: 100 }),
    ).rejects.toThrow(/no conversation id starts with "nope"/);
  });

  it('refuses to start on postgres without a connection string, naming the variable', async () => {
    const config = await loadConfig({ appDir, env: { DK_STORAGE: 'postgres', DK_LOG_LEVEL: 'silent' } });
    await expect(createDemoApp({ config, appDir, env: {} })).rejects.toThrow(
      '`DATABASE_URL` (environment) is not set, and storage.type is "postgres". Set DATABASE_URL=postgres://',
    );
  });

  it('refuses a message over the size limit without calling the model', async () => {
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const failures = await runCli({
      chat: new ChatService(app),
      input: new PassThrough(),
      output,
      interactive: false,
      messages: ['x'.repeat(101)],
      maxMessageChars: 100,
    });
    expect(failures).toBe(1);
    expect(text).toContain('error: message is 101 characters; the limit is 100');
    expect(text).not.toContain('assistant>');
  });
});
