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
import { createAnthropicProvider } from '../create-anthropic-provider.js';
import {
  anthropicErrorReply,
  anthropicMessageBody,
  anthropicMessageReply,
  anthropicStreamFrames,
  startAnthropicTestServer,
} from './anthropic-test-server.js';
import type { AnthropicTestTurn } from './anthropic-test-server.js';
import type { RecordedHttpRequest as RecordedRequest, ScriptedReply } from '@dk/test-kit/http-server';

const apiKey = 'sk-ant-conformance-canary-6c2a90-DO-NOT-LEAK';

const stopReasons = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
} as const;

/** The conformance harness: an AnthropicProvider talking to a local Messages API server. */
export const createAnthropicConformanceHarness: CreateProviderHarness = async ({ retry }) => {
  const server = await startAnthropicTestServer();
  const provider = createAnthropicProvider({ apiKey, baseURL: server.url, retry, model: 'claude-haiku-4-5' });
  return {
    provider,
    secrets: [apiKey],
    toolErrorFlag: true,
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

const errorBodies: Record<VendorErrorKind, { status: number; type: string; message: string }> = {
  'rate-limit': {
    status: 429,
    type: 'rate_limit_error',
    message: 'This request would exceed the rate limit for your organization.',
  },
  server: { status: 500, type: 'api_error', message: 'Internal server error' },
  overloaded: { status: 529, type: 'overloaded_error', message: 'Overloaded' },
  auth: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
  'invalid-request': { status: 400, type: 'invalid_request_error', message: 'temperature: range: 0..1' },
  'context-length': {
    status: 400,
    type: 'invalid_request_error',
    message: 'prompt is too long: 208315 tokens > 200000 maximum',
  },
};

/** The Anthropic wire shapes the shared conformance steps need. */
const protocol: WireProtocol = {
  apiKey,
  answer,
  errorReply(error, echo) {
    const { status, type, message } = errorBodies[error.kind];
    const retryAfter: Record<string, string> =
      error.kind === 'rate-limit' && error.retryAfterMs !== undefined
        ? { 'retry-after-ms': String(error.retryAfterMs) }
        : {};
    const reply = anthropicErrorReply(
      status,
      { type, message: message + echo.text },
      { ...retryAfter, ...echo.headers },
    );
    return reply.kind === 'json' ? { ...reply, body: { ...(reply.body as object), ...echo.body } } : reply;
  },
  errorEvent(kind, echo) {
    const { type, message } = errorBodies[kind];
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message: message + echo.text } })}\n\n`;
  },
  malformedAnswer(stream) {
    const block = { type: 'tool_use', id: 'toolu_unnamed', input: {} };
    if (!stream) {
      const body = anthropicMessageBody({ content: '' }) as Record<string, unknown>;
      return { kind: 'json', body: { ...body, content: [block], stop_reason: 'tool_use' } };
    }
    const frame = (data: { type: string } & Record<string, unknown>): string =>
      `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
    const frames = anthropicStreamFrames({ content: '' });
    return {
      kind: 'sse',
      frames: [
        frames[0]!,
        frame({ type: 'content_block_start', index: 0, content_block: block }),
        frame({ type: 'content_block_stop', index: 0 }),
        frame({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 1 } }),
        frame({ type: 'message_stop' }),
      ],
    };
  },
  // message_start, ping, content_block_start, then one frame per text piece.
  textFrameCount: (turn) => 3 + (turn.chunks?.length ?? 1),
};

/**
 * Renders a turn as the model would answer this request. When the request forces a tool (the
 * provider's `tool` structured-output strategy: `tool_choice` names its response tool, or is
 * `any` next to other tools, with the response tool offered last) and the scripted text is a
 * JSON object, the answer is the response tool's call with the object as input, as a real
 * model would give it.
 */
function answer(turn: ScriptedTurn, request: RecordedRequest): ScriptedReply {
  const body = (request.body ?? {}) as {
    tool_choice?: { type?: string; name?: string };
    tools?: readonly { readonly name: string }[];
  };
  const forcedTool =
    body.tool_choice?.type === 'tool'
      ? body.tool_choice.name
      : body.tool_choice?.type === 'any'
        ? body.tools?.at(-1)?.name
        : undefined;
  const forcedInput =
    forcedTool !== undefined && (turn.toolCalls?.length ?? 0) === 0 ? jsonObject(turn.text) : undefined;
  const common: AnthropicTestTurn = {
    ...(turn.finishReason === undefined ? {} : { stopReason: stopReasons[turn.finishReason] }),
    ...(turn.usage === undefined ? {} : { usage: turn.usage }),
  };
  const testTurn: AnthropicTestTurn =
    forcedInput !== undefined
      ? {
          ...common,
          toolCalls: [{ id: 'toolu_forced', name: forcedTool!, arguments: turn.text ?? '' }],
          ...(turn.finishReason === undefined ? { stopReason: 'tool_use' } : {}),
          ...(turn.chunks === undefined ? {} : { argumentChunks: [turn.chunks] }),
        }
      : {
          ...common,
          content: turn.text ?? '',
          ...(turn.toolCalls === undefined ? {} : { toolCalls: turn.toolCalls }),
          ...(turn.chunks === undefined ? {} : { chunks: turn.chunks }),
        };
  const reply = anthropicMessageReply(testTurn)(request);
  if (reply.kind !== 'sse' || turn.chunkDelayMs === undefined) return reply;
  // Frames: message_start, ping, content_block_start, then the text deltas; wait before every delta after the first.
  const textChunks = turn.chunks?.length ?? 0;
  const delays = reply.frames.map((_, index) => (index >= 4 && index < 3 + textChunks ? turn.chunkDelayMs! : 0));
  return { ...reply, frameDelaysMs: delays };
}

function jsonObject(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

type WireBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | {
      type: 'tool_result';
      tool_use_id: string;
      content: string | { type: string; text?: string }[];
      is_error?: boolean;
    };

function toPortable(request: RecordedRequest): PortableRequest {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const messages: RecordedMessage[] = [];
  const system = body['system'];
  if (typeof system === 'string') messages.push({ role: 'system', content: system });
  for (const message of (body['messages'] ?? []) as { role: 'user' | 'assistant'; content: string | WireBlock[] }[]) {
    if (typeof message.content === 'string') {
      messages.push({ role: message.role, content: message.content });
      continue;
    }
    const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
    const toolUses = message.content.flatMap((block) =>
      block.type === 'tool_use' ? [{ id: block.id, name: block.name, arguments: block.input }] : [],
    );
    for (const block of message.content) {
      if (block.type !== 'tool_result') continue;
      const content =
        typeof block.content === 'string' ? block.content : block.content.map((part) => part.text ?? '').join('');
      messages.push({
        role: 'tool',
        content,
        toolCallId: block.tool_use_id,
        ...(block.is_error === undefined ? {} : { isError: block.is_error }),
      });
    }
    if (message.role === 'assistant')
      messages.push({ role: 'assistant', content: text, ...(toolUses.length > 0 ? { toolCalls: toolUses } : {}) });
    else if (text !== '' || !message.content.some((block) => block.type === 'tool_result'))
      messages.push({ role: 'user', content: text });
  }
  const tools = body['tools'] as { name: string }[] | undefined;
  const optional = <T>(key: string, value: T | undefined): Record<string, T> =>
    value === undefined ? {} : { [key]: value };
  return {
    model: body['model'] as string | undefined,
    messages,
    ...optional('temperature', body['temperature'] as number | undefined),
    ...optional('maxTokens', body['max_tokens'] as number | undefined),
    ...optional('topP', body['top_p'] as number | undefined),
    ...optional('stop', body['stop_sequences'] as string[] | undefined),
    ...optional(
      'toolNames',
      tools?.map((tool) => tool.name),
    ),
    stream: body['stream'] === true,
    raw: body,
  };
}
