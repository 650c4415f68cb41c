import { EchoProvider } from '@dk/providers-echo';
import { ConfigPromptLibrary, PromptBuilder, PromptNotFoundError } from '@dk/prompts';
import { InMemorySearchAdapter } from '@dk/rag';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from './conversation-manager.js';
import { ValidationMiddleware } from './middleware/validation-middleware.js';

const docs = new InMemorySearchAdapter({
  name: 'docs',
  documents: [
    { id: 'd1', content: 'Python decorators wrap a function to extend its behaviour.' },
    { id: 'd2', content: 'Go interfaces are satisfied implicitly.' },
  ],
});

const library = new ConfigPromptLibrary({
  system: {
    code_reviewer: { template: 'You are a {{language}} code reviewer.', defaults: { language: 'Python' } },
  },
  user: {
    code_question: {
      template: 'Context:\n{{RAG_CONTENT}}\nQuestion about {{topic}}?',
      rag_configs: [{ adapter_name: 'docs', query: '{{topic}}', k: 1 }],
    },
    validate_support_response: '{"task": "judge"} Reply to judge: {{response}}',
  },
});

describe('ConversationManager with @dk/prompts PromptBuilder', () => {
  it('renders the system prompt and user prompts with RAG, recording name, hash and RAG runs', async () => {
    const builder = new PromptBuilder({ library, adapters: [docs] });
    const llm = new EchoProvider();
    const manager = await ConversationManager.create({
      llm,
      promptBuilder: builder,
      storage: new MemoryConversationStore(),
      systemPromptName: 'code_reviewer',
      systemParams: { language: 'TypeScript' },
    });
    expect(manager.state.getCurrentMessages()[0]!.content).toBe('You are a TypeScript code reviewer.');
    const node = await manager.addMessage({
      role: 'user',
      promptName: 'code_question',
      params: { topic: 'decorators' },
    });
    expect(node.content).toContain('Python decorators wrap a function');
    expect(node.promptName).toBe('code_question');
    const prompt = node.metadata['prompt'] as Record<string, unknown>;
    expect(prompt).toMatchObject({ name: 'code_question', kind: 'user' });
    expect(prompt['contentHash']).toEqual(expect.any(String));
    expect(prompt['rag']).toEqual([
      expect.objectContaining({
        adapterName: 'docs',
        query: 'decorators',
        status: 'ok',
        results: [expect.objectContaining({ id: 'd1' })],
      }),
    ]);
    expect(JSON.stringify(prompt['rag'])).not.toContain('wrap a function');
    const response = await manager.complete();
    expect(response.content).toContain('Question about decorators?');
  });

  it('passes the per-call validation level to the builder', async () => {
    const strictLibrary = new ConfigPromptLibrary({
      user: { needs_code: { template: 'Review {{code}}', validation: { level: 'warn', required_params: ['code'] } } },
    });
    const manager = await ConversationManager.create({
      llm: new EchoProvider(),
      promptBuilder: new PromptBuilder({ library: strictLibrary }),
      storage: new MemoryConversationStore(),
    });
    expect((await manager.addMessage({ role: 'user', promptName: 'needs_code', params: {} })).content).toBe(
      'Review {{code}}',
    );
    await expect(
      manager.addMessage({ role: 'user', promptName: 'needs_code', params: {}, validationLevel: 'error' }),
    ).rejects.toThrow(/code/);
  });

  it('surfaces PromptNotFoundError for a missing prompt and stores nothing', async () => {
    const storage = new MemoryConversationStore();
    const manager = await ConversationManager.create({
      llm: new EchoProvider(),
      promptBuilder: new PromptBuilder({ library }),
      storage,
    });
    await expect(manager.addMessage({ role: 'user', promptName: 'nope' })).rejects.toSatisfy((error: unknown) =>
      PromptNotFoundError.isInstance(error),
    );
    expect((await storage.get({ conversationId: manager.conversationId }))!.nodeCount).toBe(0);
  });

  it('lets ValidationMiddleware use a library prompt (the guide example)', async () => {
    const builder = new PromptBuilder({ library });
    const validationLlm = new EchoProvider({ responses: ['{"verdict": "valid", "reason": "ok"}'] });
    const validationMw = new ValidationMiddleware({
      llm: validationLlm,
      promptBuilder: builder,
      validationPrompt: 'validate_support_response',
      autoRetry: true,
    });
    const manager = await ConversationManager.create({
      llm: new EchoProvider(),
      promptBuilder: builder,
      storage: new MemoryConversationStore(),
      middleware: [validationMw],
    });
    await manager.addMessage({ role: 'user', content: 'Where is my order?' });
    await manager.complete();
    expect(validationLlm.lastCall!.messages[0]!.content).toBe(
      '{"task": "judge"} Reply to judge: Echo: Where is my order?',
    );
  });
});
