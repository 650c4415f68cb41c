// The wire-steps entry, not the kit's index: these harnesses load outside vitest too (the bench).
import { createWireStep } from '@dk/test-kit/wire-steps';
import type {
  CreateProviderHarness,
  RecordedMessage,
  RecordedRequest as PortableRequest,
  ScriptedTurn,
  VendorErrorKind,
  WireProtocol,
} from '@dk/test-kit';
import { createOpenAIProvider } from '../create-openai-provider.js';
import {
  openAIChatCompletionBody,
  openAIChatReply,
  openAIErrorReply,
  startOpenAITestServer,
} from './openai-test-server.js';
import type { RecordedHttpRequest as RecordedRequest, ScriptedReply } from '@dk/test-kit/http-server';

const apiKey = 'sk-conformance-canary-3e8b1f-DO-NOT-LEAK';

const finishReasons = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
} as const;

/** The conformance harness: an OpenAIProvider talking to a local OpenAI wire-protocol server. */
export const createOpenAIConformanceHarness: CreateProviderHarness = async ({ retry }) => {
  const server = await startOpenAITestServer();
  const provider = createOpenAIProvider({ apiKey, baseURL: server.baseURL, retry, model: 'gpt-4o-mini' });
  return {
    provider,
    secrets: [apiKey],
    script(turns) {
      server.script(...turns.map((turn) => createWireStep(turn, protocol)));
    },
    requests: () => server.requests.map(toPortable),
    async close() {
      await provider.close();
      await server.close();
    },
  };
};

const errorBodies: Record<
  VendorErrorKind,
  { status: number; message: string; type: string; code?: string; param?: string }
> = {
  'rate-limit': {
    status: 429,
    message: 'Rate limit reached for requests.',
    type: 'requests',
    code: 'rate_limit_exceeded',
  },
  server: { status: 500, message: 'The server had an error while processing your request.', type: 'server_error' },
  overloaded: {
    status: 503,
    message: 'The engine is currently overloaded, please try again later.',
    type: 'server_error',
  },
  auth: { status: 401, message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
  'invalid-request': {
    status: 400,
    message: "Invalid value for 'temperature'.",
    type: 'invalid_request_error',
    code: 'invalid_value',
    param: 'temperature',
  },
  'context-length': {
    status: 400,
    message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens.",
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    param: 'messages',
  },
};

/** The OpenAI wire shapes the shared conformance steps need. */
const protocol: WireProtocol = {
  apiKey,
  answer,
  errorReply(error, echo) {
    const { status, message, ...rest } = errorBodies[error.kind];
    const retryAfter: Record<string, string> =
      error.kind === 'rate-limit' && error.retryAfterMs !== undefined
        ? { 'retry-after-ms': String(error.retryAfterMs) }
        : {};
    const reply = openAIErrorReply(
      status,
      { message: message + echo.text, ...rest },
      { ...retryAfter, ...echo.headers },
    );
    return reply.kind === 'json' ? { ...reply, body: { ...(reply.body as object), ...echo.body } } : reply;
  },
  errorEvent(kind, echo) {
    const { message, type, code } = errorBodies[kind];
    return `data: ${JSON.stringify({ error: { message: message + echo.text, type, code: code ?? null } })}\n\n`;
  },
  malformedAnswer(stream) {
    const toolCall = { index: 0, id: 'call_unnamed', type: 'function', function: { arguments: '{}' } };
    if (!stream) {
      const body = openAIChatCompletionBody({ content: '' }) as {
        choices: [{ message: object; finish_reason: string }];
      };
      body.choices[0] = {
        ...body.choices[0],
        message: { ...body.choices[0].message, content: null, tool_calls: [toolCall] },
        finish_reason: 'tool_calls',
      };
      return { kind: 'json', body };
    }
    const chunk = (delta: unknown, finishReason: string | null = null): string =>
      `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model: 'gpt-test', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
    return {
      kind: 'sse',
      frames: [
        chunk({ role: 'assistant' }),
        chunk({ tool_calls: [toolCall] }),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ],
    };
  },
  // The role chunk, then one chunk per text piece.
  textFrameCount: (turn) => 1 + (turn.chunks?.length ?? 1),
};

function answer(turn: ScriptedTurn, request: RecordedRequest): ScriptedReply {
  const reply = openAIChatReply({
    content: turn.text ?? '',
    ...(turn.toolCalls === undefined ? {} : { toolCalls: turn.toolCalls }),
    ...(turn.finishReason === undefined ? {} : { finishReason: finishReasons[turn.finishReason] }),
    ...(turn.usage === undefined ? {} : { usage: turn.usage }),
    ...(turn.chunks === undefined ? {} : { chunks: turn.chunks }),
  })(request);
  if (reply.kind !== 'sse' || turn.chunkDelayMs === undefined) return reply;
  // Frame 0 is the role chunk and frame 1 the first text chunk; wait before every later text chunk.
  const textChunks = turn.chunks?.length ?? reply.frames.length;
  const delays = reply.frames.map((_, index) => (index >= 2 && index < 1 + textChunks ? turn.chunkDelayMs! : 0));
  return { ...reply, frameDelaysMs: delays };
}

interface WireMessage {
  role: string;
  content?: string | null | { type: string; text?: string }[];
  tool_call_id?: string;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
}

function toPortable(request: RecordedRequest): PortableRequest {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const messages = ((body['messages'] ?? []) as WireMessage[]).map((message): RecordedMessage => {
    const content =
      typeof message.content === 'string'
        ? message.content
        : (message.content ?? []).map((part) => part.text ?? '').join('');
    return {
      role: message.role as RecordedMessage['role'],
      content,
      ...(message.tool_call_id === undefined ? {} : { toolCallId: message.tool_call_id }),
      ...(message.tool_calls === undefined
        ? {}
        : {
            toolCalls: message.tool_calls.map((call) => ({
              id: call.id,
              name: call.function.name,
              arguments: JSON.parse(call.function.arguments) as Record<string, unknown>,
            })),
          }),
    };
  });
  const tools = body['tools'] as { function: { name: string } }[] | undefined;
  const optional = <T>(key: string, value: T | undefined): Record<string, T> =>
    value === undefined ? {} : { [key]: value };
  return {
    model: body['model'] as string | undefined,
    messages,
    ...optional('temperature', body['temperature'] as number | undefined),
    ...optional('maxTokens', (body['max_tokens'] ?? body['max_completion_tokens']) as number | undefined),
    ...optional('topP', body['top_p'] as number | undefined),
    ...optional('stop', body['stop'] as string[] | undefined),
    ...optional('seed', body['seed'] as number | undefined),
    ...optional(
      'toolNames',
      tools?.map((tool) => tool.function.name),
    ),
    stream: body['stream'] === true,
    raw: body,
  };
}
