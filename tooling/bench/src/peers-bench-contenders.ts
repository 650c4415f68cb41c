// The contenders of the peer comparison, each doing a chat's storage work the way its users do
// it: dk (`appendNode` under the cursor), Mastra's memory storage (`saveMessages` of one message
// to a thread) and LangGraph's checkpointers (the node's write through `putWrites`, then `put`
// of the next checkpoint, whose `messages` channel holds the whole growing message list).
import { randomUUID } from 'node:crypto';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import type { RunnableConfig } from '@langchain/core/runnables';
import { emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import type { BaseCheckpointSaver, Checkpoint, CheckpointMetadata } from '@langchain/langgraph-checkpoint';
import type { MastraMessageV2 } from '@mastra/core/agent';
import type { MastraStorage } from '@mastra/core/storage';
import type { ConversationStore } from '@dk/spec';

/** A conversation one contender writes to and reads back. */
export interface PeerConversation {
  /** One chat turn: stores one more message. */
  readonly append: () => Promise<void>;
  /** Reads the whole conversation back through the contender's own API; returns its message count. */
  readonly countMessages: () => Promise<number>;
}

/** The text of message `index` (the same for every contender). */
function messageText(index: number): string {
  return `turn ${index} with a few words of text`;
}

/** dk: a conversation whose turns append a child of the cursor and move the cursor onto it. */
export async function dkConversation(store: ConversationStore, conversationId: string) {
  await store.create({ id: conversationId, metadata: { userId: 'bench' } });
  const nodeIds: string[] = [];
  const append = async () => {
    const index = nodeIds.length;
    const parentId = nodeIds.at(-1) ?? null;
    const { node } = await store.appendNode({
      conversationId,
      parentId,
      node: { role: index % 2 === 0 ? 'user' : 'assistant', content: messageText(index), metadata: { index } },
      moveCursor: true,
    });
    if (node.position !== 0 || node.parentId !== parentId) throw new Error('dk append read back wrong');
    nodeIds.push(node.id);
  };
  /** Resumes the conversation as `ConversationManager.resume` does: `get`, then the path to the cursor. */
  const readHistory = async () => {
    const record = await store.get({ conversationId });
    if (record?.currentNodeId == null) return [];
    return store.getPath({ conversationId, nodeId: record.currentNodeId });
  };
  const countMessages = async () => (await readHistory()).length;
  /** Edits message `index`: a sibling of it (a child of its parent), the cursor moved onto it. */
  const branchAt = async (index: number) => {
    const parentId = nodeIds[index - 1]!;
    const { node } = await store.appendNode({
      conversationId,
      parentId,
      node: { role: 'user', content: 'an edited question', metadata: { edited: true } },
      moveCursor: true,
    });
    if (node.parentId !== parentId || node.position === 0) throw new Error('dk branch read back wrong');
  };
  return { append, countMessages, readHistory, branchAt } satisfies PeerConversation & Record<string, unknown>;
}

function mastraMessage(
  threadId: string,
  resourceId: string,
  index: number,
  text = messageText(index),
): MastraMessageV2 {
  return {
    id: randomUUID(),
    threadId,
    resourceId,
    role: index % 2 === 0 ? 'user' : 'assistant',
    // Messages are ordered by `createdAt`; a bulk load gives each its own millisecond.
    createdAt: new Date(Date.now() + index),
    type: 'v2',
    content: { format: 2, parts: [{ type: 'text', text }], content: text, metadata: { index } },
  };
}

async function saveMastraThread(storage: MastraStorage, threadId: string, resourceId: string, metadata = {}) {
  const now = new Date();
  await storage.saveThread({
    thread: { id: threadId, resourceId, title: 'bench', metadata, createdAt: now, updatedAt: now },
  });
}

/** Mastra: a thread whose turns save one message each (what `Memory.saveMessages` sends to the storage). */
export async function mastraConversation(storage: MastraStorage, threadId: string, resourceId = 'bench') {
  await saveMastraThread(storage, threadId, resourceId);
  let index = 0;
  const append = async () => {
    const message = mastraMessage(threadId, resourceId, index);
    const saved = await storage.saveMessages({ format: 'v2', messages: [message] });
    if (saved.length !== 1 || saved[0]!.id !== message.id) throw new Error('Mastra saveMessages read back wrong');
    index += 1;
  };
  /** Stores `count` messages in one `saveMessages` call (seeding, untimed). */
  const appendMany = async (count: number) => {
    const messages = Array.from({ length: count }, (_, offset) => mastraMessage(threadId, resourceId, index + offset));
    const saved = await storage.saveMessages({ format: 'v2', messages });
    if (saved.length !== count) throw new Error('Mastra bulk saveMessages read back wrong');
    index += count;
  };
  const readHistory = (last: number) => storage.getMessages({ threadId, format: 'v2', selectBy: { last } });
  const countMessages = async () => (await readHistory(1_000_000)).length;
  /**
   * Branches before message `index` as Mastra users can (the storage has no branches): a new
   * thread holding copies of the messages before it, then the edited message.
   */
  const branchAt = async (branchIndex: number) => {
    const branchId = randomUUID();
    await saveMastraThread(storage, branchId, resourceId, { clonedFrom: threadId });
    const history = await readHistory(1_000_000);
    const copies: MastraMessageV2[] = history
      .slice(0, branchIndex)
      .map((message) => ({ ...message, id: randomUUID(), threadId: branchId }));
    copies.push(mastraMessage(branchId, resourceId, branchIndex, 'an edited question'));
    const saved = await storage.saveMessages({ format: 'v2', messages: copies });
    if (saved.length !== branchIndex + 1) throw new Error('Mastra branch read back wrong');
  };
  return { append, appendMany, countMessages, readHistory, branchAt } satisfies PeerConversation &
    Record<string, unknown>;
}

function langGraphMessage(index: number, text = messageText(index)): BaseMessage {
  const fields = { id: randomUUID(), content: text, additional_kwargs: { index } };
  return index % 2 === 0 ? new HumanMessage(fields) : new AIMessage(fields);
}

/**
 * LangGraph: a thread of checkpoints. A turn is what the Pregel loop saves for a node that adds
 * one message to the `messages` channel: the node's pending write (`putWrites`), then the next
 * checkpoint (`put`) holding the whole message list, at the channel's next version.
 */
export async function langGraphConversation(saver: BaseCheckpointSaver<number>, threadId: string) {
  const messages: BaseMessage[] = [];
  // Every checkpoint's config, so a fork can start from any of them (`configs[i]` holds i messages).
  const configs: RunnableConfig[] = [];
  let version = 0;
  let step = -1;
  let config: RunnableConfig = { configurable: { thread_id: threadId, checkpoint_ns: '' } };
  const checkpointOf = (values: readonly BaseMessage[], channelVersion: number): Checkpoint => ({
    ...emptyCheckpoint(),
    id: uuid6(step),
    channel_values: { messages: values },
    channel_versions: { messages: channelVersion },
    versions_seen: { agent: { messages: channelVersion - 1 } },
  });
  const putNext = async (metadata: CheckpointMetadata) => {
    version = saver.getNextVersion(version);
    const next = await saver.put(config, checkpointOf([...messages], version), metadata, { messages: version });
    if (next.configurable?.['checkpoint_id'] === undefined) throw new Error('LangGraph put read back wrong');
    config = next;
    configs.push(next);
  };
  // The input checkpoint of the thread's first run (step -1), untimed.
  await putNext({ source: 'input', step, parents: {} });
  const append = async () => {
    const message = langGraphMessage(messages.length);
    await saver.putWrites(config, [['messages', [message]]], uuid6(-2));
    messages.push(message);
    step += 1;
    await putNext({ source: 'loop', step, parents: {} });
  };
  /** One checkpoint holding `count` more messages (seeding, untimed). */
  const appendMany = async (count: number) => {
    for (let offset = 0; offset < count; offset += 1) messages.push(langGraphMessage(messages.length));
    step += 1;
    await putNext({ source: 'loop', step, parents: {} });
  };
  /** The thread's latest state, as `graph.getState` reads it. */
  const readHistory = async () => {
    const tuple = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: '' } });
    return (tuple?.checkpoint.channel_values['messages'] ?? []) as BaseMessage[];
  };
  const countMessages = async () => (await readHistory()).length;
  /**
   * Forks before message `index` as `graph.updateState` on an earlier checkpoint does: read that
   * checkpoint, then put a new one after it holding its messages and the edited one.
   */
  const branchAt = async (index: number) => {
    const parent = await saver.getTuple(configs[index]!);
    const earlier = (parent?.checkpoint.channel_values['messages'] ?? []) as BaseMessage[];
    if (earlier.length !== index) throw new Error(`LangGraph fork read ${earlier.length} messages`);
    const channelVersion = saver.getNextVersion(parent!.checkpoint.channel_versions['messages'] as number);
    const forked = await saver.put(
      parent!.config,
      { ...checkpointOf([...earlier, langGraphMessage(index, 'an edited question')], channelVersion), id: uuid6(-3) },
      { source: 'update', step: index, parents: {} },
      { messages: channelVersion },
    );
    if (forked.configurable?.['checkpoint_id'] === undefined) throw new Error('LangGraph fork read back wrong');
  };
  return { append, appendMany, countMessages, readHistory, branchAt } satisfies PeerConversation &
    Record<string, unknown>;
}
