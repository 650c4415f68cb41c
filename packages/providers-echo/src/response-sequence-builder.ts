import type { EchoProvider } from './echo-provider.js';
import type { EchoResponse, EchoScriptedError, EchoToolCall } from './echo-response.js';
import {
  errorResponse,
  extractionResponse,
  multiToolResponse,
  textResponse,
  toolCallResponse,
} from './response-builders.js';
import type { TextResponseOptions, ToolCallResponseOptions } from './response-builders.js';

/**
 * Builds a scripted conversation fluently.
 *
 * @example
 * new ResponseSequenceBuilder()
 *   .addToolCall('search', { query: 'dk' })
 *   .addText('Found it.')
 *   .configure(echoProvider);
 */
export class ResponseSequenceBuilder {
  readonly #responses: EchoResponse[] = [];

  /** Adds a plain-text answer. */
  addText(content: string, options?: TextResponseOptions): this {
    this.#responses.push(textResponse(content, options));
    return this;
  }

  /** Adds an answer calling one tool. */
  addToolCall(name: string, args?: Readonly<Record<string, unknown>>, options?: ToolCallResponseOptions): this {
    this.#responses.push(toolCallResponse(name, args, options));
    return this;
  }

  /** Adds an answer calling several tools. */
  addMultiTool(toolCalls: readonly EchoToolCall[]): this {
    this.#responses.push(multiToolResponse(toolCalls));
    return this;
  }

  /** Adds an answer whose text is `data` as JSON. */
  addExtraction(data: unknown): this {
    this.#responses.push(extractionResponse(data));
    return this;
  }

  /** Adds a failing attempt. */
  addError(error: EchoScriptedError): this {
    this.#responses.push(errorResponse(error));
    return this;
  }

  /** Adds any scripted response. */
  add(response: EchoResponse): this {
    this.#responses.push(response);
    return this;
  }

  /** The responses built so far, as a new array. */
  build(): EchoResponse[] {
    return [...this.#responses];
  }

  /** Replaces `provider`'s response queue with the built responses and returns the provider. */
  configure(provider: EchoProvider, options?: { readonly cycle?: boolean }): EchoProvider {
    return provider.setResponses(this.build(), options);
  }
}
