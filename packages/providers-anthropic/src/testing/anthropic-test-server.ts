import { readFileSync } from 'node:fs';
import { startScriptedHttpServer } from '@dk/test-kit/http-server';
import type {
  RecordedHttpRequest as RecordedRequest,
  ScriptedHttpServer,
  ScriptedReply,
} from '@dk/test-kit/http-server';

/** One scripted model answer, rendered as a message or as a Messages event stream. */
export interface AnthropicTestTurn {
  readonly content?: string;
  readonly toolCalls?: readonly {
    readonly id: string;
    readonly name: string;
    /** An object, or the raw input JSON text (streamed as is; in a JSON reply it must parse). */
    readonly arguments: Readonly<Record<string, unknown>> | string;
  }[];
  /** Vendor stop reason; default `tool_use` when there are tool calls, else `end_turn`. */
  readonly stopReason?: string;
  /** Reported token counts; `null`: the server reports none (no `usage` in the message or its events). */
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number } | null;
  readonly model?: string;
  /** Split text into chunks of this many characters when streaming (default: by word). */
  readonly chunkSize?: number;
  /** The exact streamed text pieces (their concatenation must equal `content`); wins over `chunkSize`. */
  readonly chunks?: readonly string[];
  /**
   * Tool input JSON pieces streamed as `input_json_delta` for the tool calls (by tool call);
   * default: each call's JSON split in two.
   */
  readonly argumentChunks?: readonly (readonly string[])[];
}

/** A local server speaking the Anthropic Messages API on 127.0.0.1. */
export type AnthropicTestServer = ScriptedHttpServer;

/** Starts a scripted server that speaks the Anthropic wire protocol; pass its `url` as `baseURL`. */
export async function startAnthropicTestServer(): Promise<AnthropicTestServer> {
  const server = await startScriptedHttpServer();
  server.setFallback(anthropicErrorReply(500, { type: 'api_error', message: 'The test server script is empty.' }));
  return server;
}

/** Reads a recorded payload from `src/__fixtures__/`. */
export function readAnthropicFixture(name: string): string {
  return readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8');
}

/** A fixture replayed verbatim: `.json` as a JSON body (with `status`), `.sse` as an event stream. */
export function anthropicFixtureReply(
  name: string,
  { status = 200, headers = {} }: { status?: number; headers?: Readonly<Record<string, string>> } = {},
): ScriptedReply {
  const text = readAnthropicFixture(name);
  if (name.endsWith('.sse')) return { kind: 'sse', headers, frames: text.split(/(?<=\n\n)/) };
  return {
    kind: 'json',
    status,
    headers: { 'request-id': `req_fixture_${status}`, ...headers },
    body: JSON.parse(text) as unknown,
  };
}

/** An Anthropic error response (`{ type: 'error', error: { type, message } }`). */
export function anthropicErrorReply(
  status: number,
  error: { readonly type: string; readonly message: string },
  headers: Readonly<Record<string, string>> = {},
): ScriptedReply {
  return {
    kind: 'json',
    status,
    headers: { 'request-id': `req_test_${status}`, ...headers },
    body: { type: 'error', error, request_id: `req_test_${status}` },
  };
}

/** Answers a Messages request with `turn`: a JSON message, or SSE events when the request streams. */
export function anthropicMessageReply(turn: AnthropicTestTurn): (request: RecordedRequest) => ScriptedReply {
  return (request) => {
    const body = (request.body ?? {}) as { stream?: boolean; model?: string };
    const model = turn.model ?? body.model ?? 'claude-test';
    if (body.stream === true) {
      return { kind: 'sse', headers: { 'request-id': 'req_test_stream' }, frames: anthropicStreamFrames(turn, model) };
    }
    return { kind: 'json', headers: { 'request-id': 'req_test_json' }, body: anthropicMessageBody(turn, model) };
  };
}

function stopReasonOf(turn: AnthropicTestTurn): string {
  return turn.stopReason ?? ((turn.toolCalls?.length ?? 0) > 0 ? 'tool_use' : 'end_turn');
}

/** The body of a non-streaming message for `turn`. */
export function anthropicMessageBody(turn: AnthropicTestTurn, model = turn.model ?? 'claude-test'): unknown {
  const content: unknown[] = [];
  if ((turn.content ?? '') !== '') content.push({ type: 'text', text: turn.content });
  for (const toolCall of turn.toolCalls ?? []) {
    const input =
      typeof toolCall.arguments === 'string' ? (JSON.parse(toolCall.arguments) as unknown) : toolCall.arguments;
    content.push({ type: 'tool_use', id: toolCall.id, name: toolCall.name, input });
  }
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReasonOf(turn),
    stop_sequence: null,
    ...(turn.usage === null
      ? {}
      : { usage: { input_tokens: turn.usage?.promptTokens ?? 10, output_tokens: turn.usage?.completionTokens ?? 5 } }),
  };
}

/** The SSE frames of a streamed message for `turn`, in the Messages API event shapes. */
export function anthropicStreamFrames(turn: AnthropicTestTurn, model = turn.model ?? 'claude-test'): string[] {
  const frame = (data: { type: string } & Record<string, unknown>): string =>
    `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
  const frames = [
    frame({
      type: 'message_start',
      message: {
        id: 'msg_test',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        ...(turn.usage === null ? {} : { usage: { input_tokens: turn.usage?.promptTokens ?? 10, output_tokens: 1 } }),
      },
    }),
    'event: ping\ndata: {"type": "ping"}\n\n',
  ];
  let index = 0;
  if ((turn.content ?? '') !== '') {
    frames.push(frame({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    for (const piece of turn.chunks ?? splitText(turn.content ?? '', turn.chunkSize)) {
      frames.push(frame({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }));
    }
    frames.push(frame({ type: 'content_block_stop', index }));
    index += 1;
  }
  for (const [position, toolCall] of (turn.toolCalls ?? []).entries()) {
    frames.push(
      frame({
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: toolCall.id, name: toolCall.name, input: {} },
      }),
    );
    const text = typeof toolCall.arguments === 'string' ? toolCall.arguments : JSON.stringify(toolCall.arguments);
    const middle = Math.ceil(text.length / 2);
    for (const piece of ['', ...(turn.argumentChunks?.[position] ?? [text.slice(0, middle), text.slice(middle)])]) {
      frames.push(
        frame({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } }),
      );
    }
    frames.push(frame({ type: 'content_block_stop', index }));
    index += 1;
  }
  frames.push(
    frame({
      type: 'message_delta',
      delta: { stop_reason: stopReasonOf(turn), stop_sequence: null },
      ...(turn.usage === null ? {} : { usage: { output_tokens: turn.usage?.completionTokens ?? 5 } }),
    }),
    frame({ type: 'message_stop' }),
  );
  return frames;
}

function splitText(text: string, chunkSize: number | undefined): string[] {
  if (chunkSize !== undefined) {
    const pieces: string[] = [];
    for (let start = 0; start < text.length; start += chunkSize) pieces.push(text.slice(start, start + chunkSize));
    return pieces;
  }
  return text.match(/\S+\s*|\s+/g) ?? [text];
}
