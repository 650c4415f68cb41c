// The handler driven by the real AI SDK client: `DefaultChatTransport` posts exactly what
// `useChat` posts and parses the stream as `useChat` does; `readUIMessageStream` assembles
// the message. The server is a real Node `http` server through `toNodeListener`.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConversationManager } from '@dk/conversations';
import type { ConversationManagerSettings } from '@dk/conversations';
import { EchoProvider } from '@dk/providers-echo';
import type { LLMMessage } from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { DefaultChatTransport, readUIMessageStream } from 'ai';
import type { UIMessage, UIMessageChunk } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createConversationHandler } from './create-conversation-handler.js';
import type { ConversationHandler } from './create-conversation-handler.js';
import type { ConversationHandlerOptions } from './handler-options.js';
import { toNodeListener } from './to-node-listener.js';
import type { DkMessageMetadata } from './ui-message.js';

type Message = UIMessage<DkMessageMetadata>;

/** Echo, except: "note: x" calls the `save_note` tool; after a tool result it reports it. */
function scriptedModel(settings: { streamDelayMs?: number } = {}): EchoProvider {
  return new EchoProvider({
    streamChunkSize: 3,
    ...settings,
    responseFunction: (messages: readonly LLMMessage[]) => {
      const last = messages.at(-1);
      if (last?.role === 'tool') return `Tool said: ${last.content}`;
      if (last?.role === 'user' && last.content.startsWith('note:'))
        return { toolCalls: [{ name: 'save_note', arguments: { text: last.content.slice(5).trim() } }] };
      return undefined;
    },
  });
}

interface Harness {
  readonly url: string;
  readonly storage: MemoryConversationStore;
  readonly handler: ConversationHandler;
  readonly transport: DefaultChatTransport<Message>;
  readonly notes: string[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      return closed;
    }),
  );
});

async function start(
  overrides: Partial<ConversationHandlerOptions> = {},
  model: EchoProvider = scriptedModel(),
): Promise<Harness> {
  const storage = new MemoryConversationStore();
  const notes: string[] = [];
  const settings: ConversationManagerSettings = {
    llm: model,
    storage,
    tools: {
      save_note: {
        description: 'Saves a note',
        parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        needsApproval: true,
        execute: ({ text }: { text: string }) => {
          notes.push(text);
          return { saved: text };
        },
      },
    },
  };
  const handler = createConversationHandler({
    storage,
    managers: {
      // A system prompt at the root, so the first user message can be edited (a sibling).
      create: async (options) => {
        const manager = await ConversationManager.create({ ...settings, ...options });
        await manager.addMessage({ role: 'system', content: 'You are the test assistant.' });
        return manager;
      },
      resume: (conversationId) => ConversationManager.resume({ ...settings, conversationId }),
    },
    ...overrides,
  });
  const server = createServer(toNodeListener(handler));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, storage, handler, notes, transport: new DefaultChatTransport<Message>({ api: `${url}/api/chat` }) };
}

function userMessage(id: string, text: string): Message {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

/** Sends like `useChat` and reads the stream like it: the chunks and the final assistant message. */
async function send(
  harness: Harness,
  chatId: string,
  messages: Message[],
  {
    trigger = 'submit-message',
    messageId,
    abortSignal,
  }: { trigger?: 'submit-message' | 'regenerate-message'; messageId?: string; abortSignal?: AbortSignal } = {},
): Promise<{ chunks: UIMessageChunk[]; message: Message | undefined }> {
  const stream = await harness.transport.sendMessages({ chatId, messages, trigger, messageId, abortSignal });
  const chunks: UIMessageChunk[] = [];
  const last = messages.at(-1);
  const tee = stream.pipeThrough(
    new TransformStream<UIMessageChunk, UIMessageChunk>({
      transform(chunk, controller) {
        chunks.push(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
  let message: Message | undefined;
  for await (const snapshot of readUIMessageStream<Message>({
    stream: tee,
    ...(last?.role === 'assistant' ? { message: last } : {}),
  }))
    message = snapshot;
  return { chunks, message };
}

const textOf = (message: Message | undefined): string =>
  (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');

describe('createConversationHandler options', () => {
  it('names an unknown option with the likely one, and a bad value with what it must be', () => {
    const storage = new MemoryConversationStore();
    const managers = { llm: new EchoProvider(), storage };
    expect(() => createConversationHandler({ storage, managers, max_body_bytes: 10 } as never)).toThrow(/maxBodyBytes/);
    expect(() => createConversationHandler({ storage, managers, maxBodyBytes: -1 })).toThrow(
      expect.objectContaining({ name: 'HttpOptionsError', option: 'maxBodyBytes' }),
    );
    expect(() => createConversationHandler({ storage, managers, basePath: 'api' })).toThrow(/must start with "\/"/);
  });
});

describe('createConversationHandler with the AI SDK client', () => {
  it('answers a submitted message as a stream useChat reads, with dk node ids and figures as metadata', async () => {
    const harness = await start();
    const { chunks, message } = await send(harness, 'chat1', [userMessage('u1', 'hello there')]);
    expect(chunks[0]).toMatchObject({ type: 'start', messageMetadata: { conversationId: 'chat1', parentNodeId: '0' } });
    expect(chunks.map((chunk) => chunk.type)).toEqual(
      expect.arrayContaining(['start', 'start-step', 'text-start', 'text-delta', 'text-end', 'finish-step', 'finish']),
    );
    expect(textOf(message)).toBe('Echo: hello there');
    expect(message?.metadata).toMatchObject({
      conversationId: 'chat1',
      nodeId: '0.0',
      nodeIds: ['0.0'],
      status: 'complete',
      model: 'echo-model',
      provider: 'echo',
      modelCalls: 1,
    });
    expect(message?.metadata?.usage?.totalTokens).toBeGreaterThan(0);
    const stored = await harness.storage.load({ conversationId: 'chat1' });
    expect(stored?.nodes.map((node) => [node.id, node.role])).toEqual([
      ['', 'system'],
      ['0', 'user'],
      ['0.0', 'assistant'],
    ]);
  });

  it('turns an edit into a sibling branch and a regeneration into a sibling answer, never an overwrite', async () => {
    const harness = await start();
    const first = await send(harness, 'chat2', [userMessage('u1', 'first question')]);
    const answer1 = { ...first.message!, id: 'a1' };
    const second = await send(harness, 'chat2', [
      userMessage('u1', 'first question'),
      answer1,
      userMessage('u2', 'second'),
    ]);
    expect(second.message?.metadata?.nodeId).toBe('0.0.0.0');
    // useChat's edit: the edited message replaces u2 and everything after it.
    const edited = await send(
      harness,
      'chat2',
      [userMessage('u1', 'first question'), answer1, userMessage('u2', 'second, edited')],
      {
        messageId: 'u2',
      },
    );
    expect(textOf(edited.message)).toBe('Echo: second, edited');
    expect(edited.message?.metadata).toMatchObject({ nodeId: '0.0.1.0' });
    // useChat's regenerate: the assistant message is dropped, the request names it.
    const again = await send(
      harness,
      'chat2',
      [userMessage('u1', 'first question'), answer1, userMessage('u2', 'second, edited')],
      {
        trigger: 'regenerate-message',
        messageId: 'client-id-of-the-answer',
      },
    );
    expect(again.message?.metadata).toMatchObject({ nodeId: '0.0.1.1', parentNodeId: '0.0.1' });
    const path = (await (await fetch(`${harness.url}/api/conversations/chat2/messages`)).json()) as {
      messages: Message[];
    };
    expect(path.messages.map((item) => [item.id, item.role, item.metadata?.siblings])).toEqual([
      ['0', 'user', { ids: ['0'], index: 0 }],
      ['0.0', 'assistant', { ids: ['0.0'], index: 0 }],
      ['0.0.1', 'user', { ids: ['0.0.0', '0.0.1'], index: 1 }],
      ['0.0.1.1', 'assistant', { ids: ['0.0.1.0', '0.0.1.1'], index: 1 }],
    ]);
    // Switching to the first version of the second question shows it with its answer.
    const switched = (await (
      await fetch(`${harness.url}/api/conversations/chat2/switch`, {
        method: 'POST',
        body: JSON.stringify({ nodeId: '0.0.0' }),
      })
    ).json()) as { currentNodeId: string; messages: Message[] };
    expect(switched.currentNodeId).toBe('0.0.0.0');
    expect(switched.messages.at(-1)?.parts.at(-1)).toMatchObject({ text: 'Echo: second' });
    const tree = (await (await fetch(`${harness.url}/api/conversations/chat2`)).json()) as { nodes: { id: string }[] };
    expect(tree.nodes).toHaveLength(8);
    expect(tree.nodes.find((node) => node.id === '0.0')).toMatchObject({
      model: 'echo-model',
      provider: 'echo',
      latencyMs: expect.any(Number),
      usage: { totalTokens: expect.any(Number) },
    });
  });

  it('streams a tool call that needs approval as an approval request, then runs it when the client approves', async () => {
    const harness = await start();
    const asked = await send(harness, 'chat3', [userMessage('u1', 'note: buy milk')]);
    const part = asked.message?.parts.find((item) => item.type === 'tool-save_note');
    expect(part).toMatchObject({ state: 'approval-requested', input: { text: 'buy milk' } });
    expect(asked.chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
    expect(asked.message?.metadata?.status).toBe('pending-tool-calls');
    expect(harness.notes).toEqual([]);
    // What useChat's addToolApprovalResponse leaves on the part, sent back automatically.
    const approved: Message = {
      ...asked.message!,
      parts: asked.message!.parts.map((item) =>
        item.type === 'tool-save_note' && 'approval' in item && item.approval !== undefined
          ? ({
              ...item,
              state: 'approval-responded',
              approval: { id: item.approval.id, approved: true },
            } as typeof item)
          : item,
      ),
    };
    const continued = await send(harness, 'chat3', [userMessage('u1', 'note: buy milk'), approved]);
    expect(harness.notes).toEqual(['buy milk']);
    expect(continued.message?.parts.find((item) => item.type === 'tool-save_note')).toMatchObject({
      state: 'output-available',
      output: { saved: 'buy milk' },
    });
    expect(textOf(continued.message)).toBe('Tool said: {"saved":"buy milk"}');
    expect(continued.message?.metadata?.status).toBe('complete');
  });

  it('answers a model failure with an end-user message; regenerate retries the unanswered question', async () => {
    const failing = new EchoProvider({
      responses: [{ error: { kind: 'server', message: 'upstream exploded at 0xdeadbeef' } }],
      retry: { maxRetries: 0 },
    });
    const harness = await start({}, failing);
    const question = userMessage('u1', 'are you there?');
    const failure = await send(harness, 'chat7', [question]).then(
      () => expect.unreachable('the model failed'),
      (error: { statusCode: number; responseBody: string }) => error,
    );
    expect(failure.statusCode).toBe(502);
    expect(JSON.parse(failure.responseBody)).toEqual({
      error: { code: expect.any(String), message: 'The model failed to answer. Try again.' },
    });
    // The question is stored, unanswered; useChat's regenerate() retries it.
    const retried = await send(harness, 'chat7', [question], { trigger: 'regenerate-message' });
    expect(textOf(retried.message)).toBe('Echo: are you there?');
    const stored = await harness.storage.load({ conversationId: 'chat7' });
    expect(stored?.nodes.map((node) => [node.id, node.role])).toEqual([
      ['', 'system'],
      ['0', 'user'],
      ['0.0', 'assistant'],
    ]);
  });

  it('keeps a stream the client stops as an interrupted answer', async () => {
    const harness = await start({}, scriptedModel({ streamDelayMs: 30 }));
    const controller = new AbortController();
    const stream = await harness.transport.sendMessages({
      chatId: 'chat4',
      messages: [userMessage('u1', 'a long question that streams slowly')],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: controller.signal,
    });
    const reader = stream.getReader();
    for (;;) {
      const { value } = await reader.read();
      if (value?.type === 'text-delta') break;
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await harness.handler.close({ timeoutMs: 5000 });
    const tree = await harness.storage.load({ conversationId: 'chat4' });
    const answer = tree?.nodes.find((node) => node.role === 'assistant');
    expect(answer?.metadata['interrupted']).toBe(true);
    expect(answer?.content.length).toBeGreaterThan(0);
    expect(tree?.conversation.currentNodeId).toBe(answer?.id);
  });

  it('refuses with JSON errors written for end users: too long, rate limited, unauthenticated', async () => {
    const harness = await start({ maxMessageChars: 10, rateLimit: { maxRequests: 2, windowMs: 60_000 } });
    await expect(send(harness, 'chat5', [userMessage('u1', 'this is far too long')])).rejects.toMatchObject({
      statusCode: 413,
      responseBody: expect.stringContaining('the limit is 10'),
    });
    await send(harness, 'chat5', [userMessage('u1', 'short')]);
    const limited = await fetch(`${harness.url}/api/conversations`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await limited.json()) as { error: { message: string } }).error.message).toMatch(/Too many requests/);

    const secured = await start({
      authenticate: (request) => {
        const user = request.headers.get('x-user');
        return user === null ? undefined : { userId: user };
      },
    });
    expect((await fetch(`${secured.url}/api/conversations`)).status).toBe(401);
    const created = await fetch(`${secured.url}/api/conversations`, {
      method: 'POST',
      headers: { 'x-user': 'ann' },
      body: '{}',
    });
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${secured.url}/api/conversations/${id}`, { headers: { 'x-user': 'bob' } })).status).toBe(404);
    expect((await fetch(`${secured.url}/api/conversations/${id}`, { headers: { 'x-user': 'ann' } })).status).toBe(200);
  });

  it('answers CORS preflights for allowed origins only, and keeps idle streams alive with comments', async () => {
    const harness = await start(
      { cors: { origins: ['https://app.example'] }, keepAliveMs: 5 },
      scriptedModel({ streamDelayMs: 15 }),
    );
    const allowed = await fetch(`${harness.url}/api/chat`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${harness.url}/api/chat`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const raw = await fetch(`${harness.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'chat6',
        messages: [userMessage('u1', 'keep me alive please')],
        trigger: 'submit-message',
      }),
    });
    expect(raw.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const text = await raw.text();
    expect(text).toContain(': keep-alive');
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    // The client still reads it as one clean message.
    const { message } = await send(harness, 'chat6', [userMessage('u2', 'again')], {});
    expect(textOf(message)).toBe('Echo: again');
  });
});
