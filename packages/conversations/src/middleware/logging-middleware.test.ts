import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import type { ConversationLogger, LogFields } from '../conversation-logger.js';
import { ConversationManager } from '../conversation-manager.js';
import { LoggingMiddleware } from './logging-middleware.js';

class RecordingLogger implements ConversationLogger {
  readonly lines: { level: string; message: string; fields: LogFields | undefined }[] = [];
  get text(): string {
    return this.lines.map((line) => `${line.message} ${JSON.stringify(line.fields)}`).join('\n');
  }
  debug(message: string, fields?: LogFields) {
    this.lines.push({ level: 'debug', message, fields });
  }
  info(message: string, fields?: LogFields) {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: LogFields) {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: LogFields) {
    this.lines.push({ level: 'error', message, fields });
  }
}

describe('LoggingMiddleware', () => {
  it('logs structured request and response lines', async () => {
    const logger = new RecordingLogger();
    const manager = await ConversationManager.create({
      llm: new EchoProvider(),
      storage: new MemoryConversationStore(),
      middleware: [new LoggingMiddleware(logger)],
    });
    await manager.addMessage({ role: 'user', content: 'Test' });
    await manager.complete();
    expect(logger.text).toContain('Sending');
    expect(logger.text).toContain('Received response');
    expect(logger.lines[0]).toMatchObject({
      level: 'info',
      fields: { conversationId: manager.conversationId, messageCount: 1, lastRoles: ['user'] },
    });
    expect(logger.lines[1]!.fields).toMatchObject({ model: 'echo-model', finishReason: 'stop', chars: 10 });
    expect(logger.text).not.toContain('Test"');
  });

  it('redacts API keys and configured patterns from content previews and errors', async () => {
    const logger = new RecordingLogger();
    const llm = new EchoProvider({
      responses: [
        'your key is sk-ant-abcdefghijklmnopqrstuv and ticket T-1234',
        { error: { kind: 'auth', message: 'Bad key sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX' } },
      ],
    });
    const manager = await ConversationManager.create({
      llm,
      storage: new MemoryConversationStore(),
      middleware: [new LoggingMiddleware({ logger, logContent: true, redactPatterns: [/T-\d+/] })],
    });
    await manager.addMessage({
      role: 'user',
      content: 'my password: hunter2hunter2 and Bearer abcdefghijklmnopqrstuvwxyz',
    });
    await manager.complete();
    await manager.addMessage({ role: 'user', content: 'again' });
    await expect(manager.complete()).rejects.toThrow();
    const text = logger.text;
    for (const secret of [
      'sk-ant-abcdefghijklmnopqrstuv',
      'hunter2hunter2',
      'abcdefghijklmnopqrstuvwxyz',
      'T-1234',
      'sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[REDACTED]');
    expect(logger.lines.at(-1)).toMatchObject({ level: 'error' });
  });
});
