// The wire-protocol servers of the tools bench (OpenAI and Anthropic), in their own process so
// that the bench's CPU figures count the client side only (the SDK, the provider and the loop).
// Each answers a turn of `Look up <n> keys.` with a `lookup` call per step until the request
// carries n − 1 tool results, then with the answer. Prints `<openai base URL> <anthropic URL>`.
import { anthropicMessageReply, startAnthropicTestServer } from '@dk/providers-anthropic/testing';
import { openAIChatReply, startOpenAITestServer } from '@dk/providers-openai/testing';
import type { RecordedRequest } from '@dk/providers-openai/testing';

interface WireMessage {
  readonly role: string;
  readonly content: string | null | readonly { readonly type: string }[];
}

/** The turn's length (from the user message) and the step this request is (tool results so far + 1). */
function stepOf(request: RecordedRequest): { step: number; steps: number } {
  const messages = (request.body as { messages: readonly WireMessage[] }).messages;
  const user = messages.find((message) => message.role === 'user' && typeof message.content === 'string');
  const steps = Number(/Look up (\d+) keys/.exec(String(user?.content ?? ''))?.[1]);
  let results = 0;
  for (const message of messages) {
    if (message.role === 'tool') results += 1;
    else if (Array.isArray(message.content))
      results += message.content.filter((block) => block.type === 'tool_result').length;
  }
  return { step: results + 1, steps };
}

const call = (step: number) => ({ id: `call_${step}`, name: 'lookup', arguments: { key: `k${step}` } });

const openAI = await startOpenAITestServer();
openAI.setFallback((request) => {
  // Forget each request at once, so memory stays flat however long the bench runs.
  openAI.reset();
  const { step, steps } = stepOf(request);
  return openAIChatReply(step >= steps ? { content: 'All looked up.' } : { toolCalls: [call(step)] })(request);
});
const anthropic = await startAnthropicTestServer();
anthropic.setFallback((request) => {
  anthropic.reset();
  const { step, steps } = stepOf(request);
  return anthropicMessageReply(step >= steps ? { content: 'All looked up.' } : { toolCalls: [call(step)] })(request);
});
process.stdout.write(`${openAI.baseURL} ${anthropic.url}\n`);
process.on('SIGTERM', () => {
  void Promise.all([openAI.close(), anthropic.close()]).then(() => process.exit(0));
});
