import { ConversationConflictError } from '@dk/spec';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDemoApp } from '../compose/create-demo-app.js';
import type { DemoApp } from '../compose/demo-app.js';
import { loadConfig } from '../config/load-config.js';
import { ChatService } from './chat-service.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('ChatService over one SQLite file shared by two processes (terminal and server)', () => {
  const apps: DemoApp[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  async function service(sqlitePath: string): Promise<ChatService> {
    const config = await loadConfig({ appDir, env: { DK_SQLITE_PATH: sqlitePath, DK_LOG_LEVEL: 'silent' } });
    const app = await createDemoApp({ config, appDir, env: {} });
    apps.push(app);
    return new ChatService(app);
  }

  it('a stale writer gets a conflict once, then continues from the stored state', async () => {
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'dk-demo-chat-')), 'shared.db');
    const [terminal, server] = await Promise.all([service(sqlitePath), service(sqlitePath)]);
    const { id } = await terminal.create({ title: 'shared' });
    expect((await server.send(id, 'from the server')).assistantNodeId).toBe('0.0');
    await terminal.send(id, 'from the terminal').then(
      () => expect.unreachable('the terminal had a stale view of the conversation'),
      (error: unknown) => expect(ConversationConflictError.isInstance(error)).toBe(true),
    );
    // Nothing was stored by the refused turn; the retry starts from the server's answer.
    const retried = await terminal.send(id, 'from the terminal');
    expect([retried.userNodeId, retried.assistantNodeId, retried.content]).toEqual([
      '0.0.0',
      '0.0.0.0',
      'Echo: from the terminal',
    ]);
    const tree = await server.tree(id);
    expect(tree.nodes.map((node) => node.id).sort()).toEqual(['', '0', '0.0', '0.0.0', '0.0.0.0']);
    expect(tree.title).toBe('shared');
  });

  it('drain waits for the turns in flight', async () => {
    const chat = await service(join(mkdtempSync(join(tmpdir(), 'dk-demo-chat-')), 'drain.db'));
    const { id } = await chat.create();
    let finished = false;
    const turn = chat.send(id, 'a question').then(() => (finished = true));
    expect(chat.inFlight).toBe(1);
    await chat.drain();
    expect([finished, chat.inFlight]).toEqual([true, 0]);
    await turn;
  });
});
