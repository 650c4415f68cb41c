import { readFileSync } from 'node:fs';
import { startScriptedHttpServer } from '@dk/test-kit/http-server';
import type {
  RecordedHttpRequest as RecordedRequest,
  ScriptedHttpServer,
  ScriptedReply,
} from '@dk/test-kit/http-server';

/** One scripted model answer, rendered as a chat completion or as a chunk stream. */
export interface OpenAITestTurn {
  readonly content?: string;
  readonly toolCalls?: readonly {
    readonly id: string;
    readonly name: string;
    /** An object (serialised) or the raw argument text. */
    readonly arguments: Readonly<Record<string, unknown>> | string;
  }[];
  /** Vendor finish reason; default `tool_calls` when there are tool calls, else `stop`. */
  readonly finishReason?: string;
  /** Reported token counts; `null`: the server reports none (no `usage` field, no usage chunk). */
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number } | null;
  readonly model?: string;
  /** Split text into chunks of this many characters when streaming (default: by word). */
  readonly chunkSize?: number;
  /** The exact streamed text pieces (their concatenation must equal `content`); wins over `chunkSize`. */
  readonly chunks?: readonly string[];
}

/** A local OpenAI-compatible server; `baseURL` is what `createOpenAIProvider` expects. */
export interface OpenAITestServer extends ScriptedHttpServer {
  /** `<url>/v1` */
  readonly baseURL: string;
}

/** Starts a scripted server that speaks the OpenAI wire protocol on 127.0.0.1. */
export async function startOpenAITestServer(): Promise<OpenAITestServer> {
  const server = await startScriptedHttpServer();
  server.setFallback(
    openAIErrorReply(500, { message: 'The test server script is empty.', type: 'server_error', code: null }),
  );
  return Object.assign(server, { baseURL: `${server.url}/v1` });
}

/** Reads a recorded payload from `src/__fixtures__/`. */
export function readOpenAIFixture(name: string): string {
  return readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8');
}

/** A fixture replayed verbatim: `.json` as a JSON body (with `status`), `.sse` as an event stream. */
export function openAIFixtureReply(
  name: string,
  { status = 200, headers = {} }: { status?: number; headers?: Readonly<Record<string, string>> } = {},
): ScriptedReply {
  const text = readOpenAIFixture(name);
  if (name.endsWith('.sse')) return { kind: 'sse', headers, frames: text.split(/(?<=\n\n)/) };
  return { kind: 'json', status, headers, body: JSON.parse(text) as unknown };
}

/** An OpenAI error response (`{ error: { message, type, param, code } }`). */
export function openAIErrorReply(
  status: number,
  error: {
    readonly message: string;
    readonly type?: string;
    readonly code?: string | null;
    readonly param?: string | null;
  },
  headers: Readonly<Record<string, string>> = {},
): ScriptedReply {
  return {
    kind: 'json',
    status,
    headers: { 'x-request-id': `req_test_${status}`, ...headers },
    body: {
      error: {
        message: error.message,
        type: error.type ?? 'invalid_request_error',
        param: error.param ?? null,
        code: error.code ?? null,
      },
    },
  };
}

/** Answers a chat request with `turn`: a JSON completion, or SSE chunks when the request streams. */
export function openAIChatReply(turn: OpenAITestTurn): (request: RecordedRequest) => ScriptedReply {
  return (request) => {
    const body = (request.body ?? {}) as {
      stream?: boolean;
      model?: string;
      stream_options?: { include_usage?: boolean };
    };
    const model = turn.model ?? body.model ?? 'gpt-test';
    if (body.stream === true) {
      return {
        kind: 'sse',
        headers: { 'x-request-id': 'req_test_stream' },
        frames: openAIChatStreamFrames(turn, {
          model,
          includeUsage: body.stream_options?.include_usage === true && turn.usage !== null,
        }),
      };
    }
    return { kind: 'json', headers: { 'x-request-id': 'req_test_json' }, body: openAIChatCompletionBody(turn, model) };
  };
}

function argumentText(value: Readonly<Record<string, unknown>> | string): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function finishReasonOf(turn: OpenAITestTurn): string {
  return turn.finishReason ?? ((turn.toolCalls?.length ?? 0) > 0 ? 'tool_calls' : 'stop');
}

function usageOf(turn: OpenAITestTurn): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const prompt = turn.usage?.promptTokens ?? 10;
  const completion = turn.usage?.completionTokens ?? 5;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The body of a non-streaming chat completion for `turn`. */
export function openAIChatCompletionBody(turn: OpenAITestTurn, model = turn.model ?? 'gpt-test'): unknown {
  const toolCalls = turn.toolCalls ?? [];
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_741_569_952,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: toolCalls.length > 0 && (turn.content ?? '') === '' ? null : (turn.content ?? ''),
          refusal: null,
          annotations: [],
          ...(toolCalls.length > 0
            ? {
                tool_calls: toolCalls.map((toolCall) => ({
                  id: toolCall.id,
                  type: 'function',
                  function: { name: toolCall.name, arguments: argumentText(toolCall.arguments) },
                })),
              }
            : {}),
        },
        logprobs: null,
        finish_reason: finishReasonOf(turn),
      },
    ],
    ...(turn.usage === null ? {} : { usage: usageOf(turn) }),
    system_fingerprint: 'fp_test',
  };
}

/** The SSE frames of a streamed chat completion for `turn`, ending in `data: [DONE]`. */
export function openAIChatStreamFrames(
  turn: OpenAITestTurn,
  { model = turn.model ?? 'gpt-test', includeUsage = true }: { model?: string; includeUsage?: boolean } = {},
): string[] {
  const base = {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1_741_570_000,
    model,
    system_fingerprint: 'fp_test',
  };
  const chunk = (delta: unknown, finishReason: string | null = null): string =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(includeUsage ? { usage: null } : {}) })}\n\n`;
  const frames = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of turn.chunks ?? splitText(turn.content ?? '', turn.chunkSize))
    frames.push(chunk({ content: piece }));
  (turn.toolCalls ?? []).forEach((toolCall, index) => {
    frames.push(
      chunk({
        tool_calls: [{ index, id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: '' } }],
      }),
    );
    const text = argumentText(toolCall.arguments);
    const middle = Math.ceil(text.length / 2);
    for (const piece of [text.slice(0, middle), text.slice(middle)]) {
      if (piece !== '') frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  frames.push(chunk({}, finishReasonOf(turn)));
  if (includeUsage) frames.push(`data: ${JSON.stringify({ ...base, choices: [], usage: usageOf(turn) })}\n\n`);
  frames.push('data: [DONE]\n\n');
  return frames;
}

/** Answers an embeddings request with one deterministic vector per input. */
export function openAIEmbeddingsReply(dimensions = 4): (request: RecordedRequest) => ScriptedReply {
  return (request) => {
    const body = (request.body ?? {}) as { input?: string | string[]; model?: string };
    const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
    return {
      kind: 'json',
      body: {
        object: 'list',
        data: inputs.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: Array.from({ length: dimensions }, (_, position) => (text.length + position) / 100),
        })),
        model: body.model ?? 'text-embedding-3-small',
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      },
    };
  };
}

function splitText(text: string, chunkSize: number | undefined): string[] {
  if (text === '') return [];
  if (chunkSize !== undefined) {
    const pieces: string[] = [];
    for (let start = 0; start < text.length; start += chunkSize) pieces.push(text.slice(start, start + chunkSize));
    return pieces;
  }
  return text.match(/\S+\s*|\s+/g) ?? [text];
}
