import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from '../conversation-manager.js';
import { MetadataMiddleware } from './metadata-middleware.js';

describe('MetadataMiddleware', () => {
  it('adds request metadata to copies only and persists response metadata on the node', async () => {
    const llm = new EchoProvider();
    const storage = new MemoryConversationStore();
    const middleware = new MetadataMiddleware({
      requestMetadata: { env: 'prod' },
      responseMetadata: { app: 'support' },
      responseMetadataFn: (response) => ({ length: response.content.length }),
    });
    const manager = await ConversationManager.create({ llm, storage, middleware: [middleware] });
    await manager.addMessage({ role: 'user', content: 'hi' });
    const result = await manager.complete();
    expect(llm.lastCall!.messages[0]!.metadata).toEqual({ env: 'prod' });
    // The original stored the request metadata into the user node; ours does not.
    expect((await storage.getNode({ conversationId: manager.conversationId, nodeId: '' }))!.metadata).toEqual({});
    expect(result.metadata).toMatchObject({ app: 'support', length: 8 });
    expect(result.node.metadata).toMatchObject({ app: 'support', length: 8 });
  });
});
