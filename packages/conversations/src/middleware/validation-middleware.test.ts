import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { TemplatePromptBuilder } from '../__fixtures__/template-prompt-builder.js';
import { ConversationManager } from '../conversation-manager.js';
import { ResponseValidationError } from '../response-validation-error.js';
import { parseValidationVerdict, ValidationMiddleware } from './validation-middleware.js';

const valid = '{"verdict": "valid", "reason": "fine"}';
const invalid = '{"verdict": "invalid", "reason": "off topic"}';

async function setup(
  answers: string[],
  verdicts: string[],
  options: Partial<ConstructorParameters<typeof ValidationMiddleware>[0]> = {},
) {
  const llm = new EchoProvider({ responses: answers });
  const judge = new EchoProvider({ responses: verdicts, strict: true });
  const storage = new MemoryConversationStore();
  const validation = new ValidationMiddleware({ llm: judge, ...options });
  const manager = await ConversationManager.create({ llm, storage, middleware: [validation] });
  await manager.addMessage({ role: 'user', content: 'How do I reset my password?' });
  return { llm, judge, manager, storage };
}

describe('parseValidationVerdict', () => {
  it('accepts only an explicit JSON verdict; "INVALID" is never valid', () => {
    expect(parseValidationVerdict(valid)).toEqual({ verdict: 'valid', reason: 'fine', readable: true });
    expect(parseValidationVerdict('```json\n{"verdict":"INVALID","reason":"x"}\n```').verdict).toBe('invalid');
    expect(parseValidationVerdict('Sure! {"verdict": "valid"} hope that helps').verdict).toBe('valid');
    for (const answer of [
      'INVALID',
      'VALID',
      'The response is valid.',
      '{"verdict": "mostly valid"}',
      '{"ok": true}',
      '',
    ]) {
      expect(parseValidationVerdict(answer)).toMatchObject({ verdict: 'invalid', readable: false });
    }
  });
});

describe('ValidationMiddleware', () => {
  it('passes a valid response and records the verdict on the node', async () => {
    const { manager, judge } = await setup(['Click "Forgot password".'], [valid]);
    const result = await manager.complete();
    expect(result.content).toBe('Click "Forgot password".');
    expect(result.node.metadata['validation']).toMatchObject({ verdict: 'valid', reason: 'fine', attempt: 1 });
    const judgePrompt = judge.lastCall!.messages[0]!.content;
    expect(judgePrompt).toContain('How do I reset my password?');
    expect(judgePrompt).toContain('Click "Forgot password".');
  });

  it('fails the turn on an invalid verdict without autoRetry', async () => {
    const { manager, storage } = await setup(['Buy crypto.'], [invalid]);
    const error = await manager.complete().catch((caught: unknown) => caught);
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as ResponseValidationError).reason).toBe('off topic');
    expect((await storage.get({ conversationId: manager.conversationId }))!.nodeCount).toBe(1);
  });

  it('treats a bare "INVALID" answer as invalid (the original counted it as valid)', async () => {
    const { manager } = await setup(['Buy crypto.'], ['INVALID']);
    await expect(manager.complete()).rejects.toThrow(/did not answer/);
  });

  it('retries the turn with a real new model call, bounded by maxRetries', async () => {
    const { manager, llm, judge } = await setup(['Buy crypto.', 'Click "Forgot password".'], [invalid, valid], {
      autoRetry: true,
      maxRetries: 2,
    });
    const result = await manager.complete();
    expect(result.content).toBe('Click "Forgot password".');
    expect(llm.callCount).toBe(2);
    expect(judge.callCount).toBe(2);
    expect(result.node.metadata).toMatchObject({
      attempts: 2,
      validation: { verdict: 'valid', attempt: 2 },
      discardedAttempts: [{ reason: 'off topic' }],
    });
  });

  it('stops after maxRetries and then follows onInvalid', async () => {
    const { manager, llm } = await setup(['a', 'b', 'c', 'd'], [invalid, invalid, invalid, invalid], {
      autoRetry: true,
      maxRetries: 1,
    });
    await expect(manager.complete()).rejects.toThrow(/attempt 2/);
    expect(llm.callCount).toBe(2);
    const annotated = await setup(['a', 'b'], [invalid, invalid], {
      autoRetry: true,
      maxRetries: 1,
      onInvalid: 'annotate',
    });
    const result = await annotated.manager.complete();
    expect(result.content).toBe('b');
    expect(result.node.metadata).toMatchObject({ validationFailed: true, validation: { verdict: 'invalid' } });
  });

  it('renders a prompt from the library through the prompt builder', async () => {
    const builder = new TemplatePromptBuilder({
      user: { validate_support_response: { template: 'Judge this support reply: {{response}}' } },
    });
    const { manager, judge } = await setup(['Reply text'], [valid], {
      promptBuilder: builder,
      validationPrompt: 'validate_support_response',
    });
    await manager.complete();
    expect(judge.lastCall!.messages[0]!.content).toBe('Judge this support reply: Reply text');
    expect(builder.renders[0]).toMatchObject({
      kind: 'user',
      name: 'validate_support_response',
      options: { includeRag: false },
    });
  });

  it('renders an inline template with the template language', async () => {
    const { manager, judge } = await setup(['Answer'], [valid], {
      template: 'Q: {{request}}\nA: {{response}}((\nNotes: {{notes}}))',
    });
    await manager.complete();
    expect(judge.lastCall!.messages[0]!.content).toBe('Q: How do I reset my password?\nA: Answer');
  });

  it('can keep the response when the judge itself fails (onJudgeError: annotate)', async () => {
    const { manager } = await setup(['Answer'], [], { onJudgeError: 'annotate' });
    const result = await manager.complete();
    expect(result.node.metadata['validationError']).toMatch(/EchoScriptExhausted/);
  });

  it('in a stream, cannot retry: an invalid answer fails the turn and is kept as an interrupted node', async () => {
    const { manager, storage, llm } = await setup(['Buy crypto.'], [invalid], { autoRetry: true });
    const seen: string[] = [];
    await expect(async () => {
      for await (const part of manager.stream()) if (part.type === 'text-delta') seen.push(part.text);
    }).rejects.toSatisfy((error: unknown) => ResponseValidationError.isInstance(error) && !error.requestsTurnRetry);
    expect(seen.join('')).toBe('Buy crypto.');
    expect(llm.callCount).toBe(1);
    const node = (await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!;
    expect(node.metadata).toMatchObject({
      interrupted: true,
      interruption: { reason: 'error', error: { name: 'ResponseValidationError' } },
      validation: { verdict: 'invalid' },
    });
  });

  it('refuses a library prompt without a prompt builder', () => {
    expect(() => new ValidationMiddleware({ llm: new EchoProvider(), validationPrompt: 'x' })).toThrow(/promptBuilder/);
  });
});
