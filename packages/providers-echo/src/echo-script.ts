import type { CompletionOptions, LLMMessage } from '@dk/spec';
import type { EchoPatternResponse, EchoResponse, EchoResponseFunction, EchoScriptedResponse } from './echo-response.js';

/** A scripted answer and where it came from (`metadata.scripted` of the response). */
export interface EchoAnswer {
  readonly scripted: EchoScriptedResponse;
  readonly source: 'function' | 'pattern' | 'queue' | 'echo';
}

/**
 * The script of an `EchoProvider`: a response function, patterns and a queue, consulted in that
 * order for each attempt. `undefined` from {@link EchoScript.next} means "nothing scripted".
 */
export class EchoScript {
  #queue: EchoResponse[];
  #cycle: boolean;
  #cycleIndex = 0;
  #patterns: { readonly pattern: RegExp; readonly response: EchoResponse }[];
  #responseFunction: EchoResponseFunction | undefined;

  constructor(settings: {
    readonly responses?: readonly EchoResponse[] | undefined;
    readonly cycleResponses?: boolean | undefined;
    readonly patterns?: readonly EchoPatternResponse[] | undefined;
    readonly responseFunction?: EchoResponseFunction | undefined;
  }) {
    this.#queue = [...(settings.responses ?? [])];
    this.#cycle = settings.cycleResponses ?? false;
    this.#patterns = (settings.patterns ?? []).map(compilePattern);
    this.#responseFunction = settings.responseFunction;
  }

  setResponses(responses: readonly EchoResponse[], cycle: boolean): void {
    this.#queue = [...responses];
    this.#cycle = cycle;
    this.#cycleIndex = 0;
  }

  addResponses(responses: readonly EchoResponse[]): void {
    this.#queue.push(...responses);
  }

  addPattern(pattern: RegExp | string, response: EchoResponse): void {
    this.#patterns.push(compilePattern({ pattern, response }));
  }

  setResponseFunction(responseFunction: EchoResponseFunction | undefined): void {
    this.#responseFunction = responseFunction;
  }

  clear(): void {
    this.#queue = [];
    this.#cycleIndex = 0;
    this.#patterns = [];
    this.#responseFunction = undefined;
  }

  /** The scripted answer of the next attempt (consuming it from the queue unless cycling). */
  async next(messages: readonly LLMMessage[], options: CompletionOptions): Promise<EchoAnswer | undefined> {
    if (this.#responseFunction !== undefined) {
      const computed = await this.#responseFunction(messages, options);
      if (computed !== undefined) return { scripted: toScripted(computed), source: 'function' };
    }
    if (this.#patterns.length > 0) {
      const userText = messages
        .filter((message) => message.role === 'user')
        .map((message) => message.content)
        .join(' ');
      const match = this.#patterns.find((entry) => entry.pattern.test(userText));
      if (match !== undefined) return { scripted: toScripted(match.response), source: 'pattern' };
    }
    if (this.#queue.length === 0) return undefined;
    if (this.#cycle) {
      const response = this.#queue[this.#cycleIndex % this.#queue.length] as EchoResponse;
      this.#cycleIndex += 1;
      return { scripted: toScripted(response), source: 'queue' };
    }
    return { scripted: toScripted(this.#queue.shift() as EchoResponse), source: 'queue' };
  }
}

function toScripted(response: EchoResponse): EchoScriptedResponse {
  return typeof response === 'string' ? { content: response } : response;
}

function compilePattern({ pattern, response }: EchoPatternResponse): {
  readonly pattern: RegExp;
  readonly response: EchoResponse;
} {
  const compiled =
    typeof pattern === 'string'
      ? new RegExp(pattern, 'i')
      : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  return { pattern: compiled, response };
}
