import type { ScriptedError, ScriptedErrorKind, ScriptedTurn } from './provider-harness.js';
import { brokenBodyReply, htmlPageReply } from './scripted-http-server.js';
import type { RecordedHttpRequest, ScriptedReply, ScriptedStep } from './scripted-http-server.js';

/** The failure kinds a vendor answers with an HTTP error (or an error event inside a stream). */
export type VendorErrorKind = Exclude<ScriptedErrorKind, 'network' | 'invalid-response'>;

/** What an echoing failure adds: the secret in the message and the body, and a response header. */
export interface Echo {
  /** Appended to the vendor's message (empty when the failure does not echo). */
  readonly text: string;
  /** Added to the response headers. */
  readonly headers: Record<string, string>;
  /** Added to the error body (empty when the failure does not echo). */
  readonly body: Record<string, unknown>;
}

/** How one vendor speaks, for {@link createWireStep}: its answers and its error shapes. */
export interface WireProtocol {
  /** The API key the harness's provider holds (echoed by failures with `echoSecrets`). */
  readonly apiKey: string;
  /** The vendor's successful answer to `turn` (JSON or an event stream, as `request` asks). */
  answer(turn: ScriptedTurn, request: RecordedHttpRequest): ScriptedReply;
  /** The vendor's HTTP error reply for a failure kind, with `retryAfterMs` as its headers say. */
  errorReply(error: ScriptedError & { readonly kind: VendorErrorKind }, echo: Echo): ScriptedReply;
  /** One SSE frame carrying the vendor's error event for a failure kind, inside a 200 stream. */
  errorEvent(kind: VendorErrorKind, echo: Echo): string;
  /** A 200 answer (a stream when `stream`) in the vendor's shape whose one tool call has no tool name. */
  malformedAnswer(stream: boolean): ScriptedReply;
  /** How many leading frames of the streamed answer to `turn` carry its text (setup frames included). */
  textFrameCount(turn: ScriptedTurn): number;
}

/**
 * The server step that plays one {@link ScriptedTurn} the way a vendor would: its answer, its
 * HTTP errors, a `network` failure (a body that breaks off), an `invalid-response` (an HTML page,
 * or an event stream that ends before any event), an error after output (an error event inside
 * the stream, or the body breaking off), and secrets echoed back where asked. Each HTTP harness
 * provides the vendor's shapes through `protocol`; the rest is the same for every vendor.
 */
export function createWireStep(turn: ScriptedTurn, protocol: WireProtocol): ScriptedStep {
  return (request) => {
    const stream = (request.body as { stream?: unknown } | undefined)?.stream === true;
    let reply: ScriptedReply;
    if (turn.error !== undefined) reply = failure(turn.error, stream, protocol);
    else if (turn.errorAfterOutput === undefined) reply = protocol.answer(turn, request);
    else if (stream) reply = failingStream(turn, turn.errorAfterOutput, request, protocol);
    else reply = failure(turn.errorAfterOutput, false, protocol);
    return turn.delayMs === undefined ? reply : { ...reply, delayMs: turn.delayMs };
  };
}

function echoOf(error: ScriptedError, apiKey: string): Echo {
  return error.echoSecrets === true
    ? { text: ` (key ${apiKey})`, headers: { 'x-echo-key': apiKey }, body: { echoed: { authorization: apiKey } } }
    : { text: '', headers: {}, body: {} };
}

function failure(error: ScriptedError, stream: boolean, protocol: WireProtocol): ScriptedReply {
  const echo = echoOf(error, protocol.apiKey);
  switch (error.kind) {
    case 'network':
      return brokenBodyReply({ contentType: stream ? 'text/event-stream' : 'application/json', garbage: echo.text });
    case 'invalid-response':
      if (error.shape === 'missing-fields') return protocol.malformedAnswer(stream);
      return stream
        ? { kind: 'sse', headers: echo.headers, frames: [] }
        : htmlPageReply(`<h1>502 Bad Gateway</h1>${echo.text}`);
    default:
      return protocol.errorReply({ ...error, kind: error.kind }, echo);
  }
}

/** The turn's text, streamed, then `error`: an error event inside the 200 stream, or the body breaking off. */
function failingStream(
  turn: ScriptedTurn,
  error: ScriptedError,
  request: RecordedHttpRequest,
  protocol: WireProtocol,
): ScriptedReply {
  const { errorAfterOutput: _failure, finishReason: _finishReason, ...answered } = turn;
  const reply = protocol.answer(answered, request);
  if (reply.kind !== 'sse') return reply;
  const textFrames = reply.frames.slice(0, protocol.textFrameCount(answered));
  const echo = echoOf(error, protocol.apiKey);
  if (error.kind === 'network') {
    return brokenBodyReply({ contentType: 'text/event-stream', prefix: textFrames.join(''), garbage: echo.text });
  }
  const kind = error.kind === 'invalid-response' ? 'server' : error.kind;
  return { kind: 'sse', headers: echo.headers, frames: [...textFrames, protocol.errorEvent(kind, echo)] };
}
