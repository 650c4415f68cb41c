import type { CreateProviderHarness, RecordedRequest, ScriptedTurn } from '@dk/test-kit';
import { EchoProvider } from '../echo-provider.js';
import type { EchoScriptedResponse } from '../echo-response.js';

function toScripted(turn: ScriptedTurn): EchoScriptedResponse {
  return {
    content: turn.text ?? '',
    toolCalls: turn.toolCalls,
    finishReason: turn.finishReason,
    usage: turn.usage,
    error: turn.error,
    errorAfterOutput: turn.errorAfterOutput,
    delayMs: turn.delayMs,
    chunks: turn.chunks,
    chunkDelayMs: turn.chunkDelayMs,
  };
}

/** The conformance harness: a strict EchoProvider serving the scripted turns, its recorded calls as requests. */
export const createEchoConformanceHarness: CreateProviderHarness = ({ retry }) => {
  const provider = new EchoProvider({ retry, strict: true });
  return {
    provider,
    toolErrorFlag: true,
    script: (turns) => {
      provider.addResponse(...turns.map(toScripted));
    },
    requests: () =>
      provider.calls.flatMap((call) =>
        Array.from({ length: call.attempts }, (): RecordedRequest => ({
          model: call.options.model ?? provider.modelId,
          messages: call.messages.map((message) => ({
            role: message.role,
            content: message.content,
            ...(message.toolCallId === undefined ? {} : { toolCallId: message.toolCallId }),
            ...(message.isError === undefined ? {} : { isError: message.isError }),
            ...(message.toolCalls === undefined ? {} : { toolCalls: message.toolCalls }),
          })),
          temperature: call.options.temperature,
          maxTokens: call.options.maxTokens,
          topP: call.options.topP,
          stop: call.options.stop,
          seed: call.options.seed,
          toolNames: call.options.tools?.map((tool) => tool.name),
          stream: call.method === 'stream',
          raw: call,
        })),
      ),
    close: () => provider.close(),
  };
};
