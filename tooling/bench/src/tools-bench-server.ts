// The OpenAI wire-protocol server of the tools bench, in its own process so that the bench's
// CPU figures count the client side only (the SDK, the provider and the loop). It answers a
// turn of `Look up <n> keys.` with a `lookup` call per step until the request carries n − 1
// tool results, then with the answer; it prints its base URL on stdout.
import { openAIChatReply, startOpenAITestServer } from '@dk/providers-openai/testing';
import type { RecordedRequest } from '@dk/providers-openai/testing';

const server = await startOpenAITestServer();
server.setFallback((request: RecordedRequest) => {
  // Forget each request at once, so memory stays flat however long the bench runs.
  server.reset();
  const messages = (request.body as { messages: { role: string; content: string | null }[] }).messages;
  const steps = Number(
    /Look up (\d+) keys/.exec(messages.find((message) => message.role === 'user')?.content ?? '')?.[1],
  );
  const step = messages.filter((message) => message.role === 'tool').length + 1;
  return openAIChatReply(
    step >= steps
      ? { content: 'All looked up.' }
      : { toolCalls: [{ id: `call_${step}`, name: 'lookup', arguments: { key: `k${step}` } }] },
  )(request);
});
process.stdout.write(`${server.baseURL}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
