import { mapError } from '@dk/http';
import { DkError } from '@dk/spec';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ChatService } from '../chat/chat-service.js';
import type { TurnOptions, TurnResult } from '../chat/chat-types.js';
import { formatTree } from './format-tree.js';

/** Options of {@link runCli}. */
export interface RunCliOptions {
  readonly chat: ChatService;
  readonly input: Readable;
  readonly output: Writable;
  /** Interactive: show a prompt and keep going after errors. Otherwise lines are a script. */
  readonly interactive: boolean;
  /** Messages to send before reading `input` (`--message`). When given, `input` is not read. */
  readonly messages?: readonly string[];
  /** Conversation to continue (`--resume`). */
  readonly resume?: string;
  /** Largest message in characters. */
  readonly maxMessageChars: number;
  /** Errors whose detail is meant for developers (library errors): the user sees a plain message. */
  readonly onError?: (error: unknown) => void;
}

/** The slash commands of the terminal chat, as printed by `/help`. */
const helpText = `Commands:
  /tree                 show the conversation tree (* active path, > cursor)
  /branches [id]        list the alternatives at the cursor, or the children of <id>
  /switch <id>          move the cursor to node <id>
  /edit <id> <text>     edit message <id> into a new branch (and answer it)
  /regen                answer the last question again, as a new branch
  /new                  start a new conversation
  /list                 list recent conversations
  /resume <id>          continue conversation <id> (a unique prefix is enough)
  /approve [call id]    run the tool call waiting for your approval
  /reject [call id] [reason]  refuse it (the model is told)
  /help                 show this help
  /quit                 leave
Anything else is sent as a message.`;

/**
 * The terminal chat: sends messages (answers stream as they arrive) and runs slash
 * commands. Returns the number of failed lines (for the exit code of scripts).
 */
export async function runCli({
  chat,
  input,
  output,
  interactive,
  messages,
  resume,
  maxMessageChars,
  onError,
}: RunCliOptions): Promise<number> {
  const write = (text: string): void => {
    output.write(text);
  };
  let conversationId: string | undefined;
  let failures = 0;
  /** Aborts the turn being streamed (Ctrl+C in the interactive chat). */
  let turn: AbortController | undefined;

  if (resume !== undefined) {
    conversationId = await chat.resolve(resume);
    write(`Resumed conversation ${conversationId}\n`);
  }

  const current = async (): Promise<string> => {
    if (conversationId === undefined) {
      conversationId = (await chat.create()).id;
      write(`Started conversation ${conversationId}\n`);
    }
    return conversationId;
  };

  /** Says what a finished turn left: its node, and any tool call waiting for the user. */
  const report = (result: TurnResult): void => {
    write(`\n  [node ${result.assistantNodeId}]\n`);
    for (const call of result.pending)
      if (call.reason === 'needs-approval')
        write(
          `  ${call.toolName} wants to run with ${JSON.stringify(call.arguments)} (call ${call.toolCallId}). /approve or /reject [reason]\n`,
        );
  };

  const toolNotice = (toolName: string, isError: boolean): void =>
    write(`\n  [tool ${toolName} ${isError ? 'failed' : 'ran'}]\n`);

  /** Runs a streamed turn; Ctrl+C stops it (what was streamed is kept) and is reported, not an error. */
  const stream = async (label: string, run: (options: TurnOptions) => Promise<TurnResult>): Promise<void> => {
    write(`${label}> `);
    const controller = new AbortController();
    turn = controller;
    try {
      report(await run({ onDelta: (text) => write(text), onToolResult: toolNotice, signal: controller.signal }));
    } catch (error) {
      if (!controller.signal.aborted) {
        write('\n');
        throw error;
      }
      write('\n  [stopped]\n');
    } finally {
      turn = undefined;
    }
  };

  const requireId = (value: string | undefined, usage: string): string => {
    if (value === undefined || value === '') throw new Error(`missing argument. Usage: ${usage}`);
    return value;
  };

  /** Handles one line; returns false to stop. */
  const handle = async (line: string): Promise<boolean> => {
    const text = line.trim();
    if (text === '') return true;
    if (!text.startsWith('/')) {
      if (text.length > maxMessageChars)
        throw new Error(
          `message is ${text.length} characters; the limit is ${maxMessageChars} (server.maxMessageChars)`,
        );
      const id = await current();
      await stream('assistant', (options) => chat.send(id, text, options));
      return true;
    }
    const [command = '', ...rest] = text.split(/\s+/);
    const argument = rest[0];
    switch (command) {
      case '/quit':
      case '/exit':
        return false;
      case '/help':
        write(`${helpText}\n`);
        return true;
      case '/new':
        conversationId = (await chat.create()).id;
        write(`Started conversation ${conversationId}\n`);
        return true;
      case '/list': {
        const conversations = await chat.list();
        if (conversations.length === 0) write('No conversations yet.\n');
        for (const item of conversations)
          write(
            `${item.id === conversationId ? '>' : ' '} ${item.id}  ${item.updatedAt}  ${item.nodeCount} messages  ${item.title}\n`,
          );
        return true;
      }
      case '/resume': {
        const id = await chat.resolve(requireId(argument, '/resume <conversation id>'));
        conversationId = id;
        write(`Resumed conversation ${id}\n${formatTree(await chat.tree(id))}\n`);
        return true;
      }
      case '/tree':
        write(`${formatTree(await chat.tree(await current()))}\n`);
        return true;
      case '/branches': {
        const id = await current();
        let nodeId = argument;
        if (nodeId === undefined) {
          const cursor = (await chat.tree(id)).currentNodeId;
          nodeId =
            cursor === null || cursor === ''
              ? ''
              : cursor.includes('.')
                ? cursor.slice(0, cursor.lastIndexOf('.'))
                : '';
        }
        const branches = await chat.branches(id, nodeId);
        write(`Branches under ${nodeId === '' ? '(root)' : nodeId}:\n`);
        for (const branch of branches)
          write(
            `  ${branch.id} ${branch.role}: ${branch.preview.replace(/\s+/g, ' ').slice(0, 60)}${branch.interrupted ? ' (interrupted)' : ''}\n`,
          );
        return true;
      }
      case '/switch': {
        const id = await current();
        const nodeId = requireId(argument, '/switch <node id>');
        await chat.switchTo(id, nodeId);
        write(`Cursor at ${nodeId}\n`);
        return true;
      }
      case '/edit': {
        const id = await current();
        const nodeId = requireId(argument, '/edit <node id> <new text>');
        const newText = text.slice(text.indexOf(nodeId, command.length) + nodeId.length).trim();
        if (newText === '') throw new Error('missing text. Usage: /edit <node id> <new text>');
        if (newText.length > maxMessageChars)
          throw new Error(
            `message is ${newText.length} characters; the limit is ${maxMessageChars} (server.maxMessageChars)`,
          );
        write(`Editing ${nodeId} into a new branch\n`);
        const controller = new AbortController();
        turn = controller;
        let streamed = false;
        const onDelta = (delta: string): void => {
          if (!streamed) write('assistant> ');
          streamed = true;
          write(delta);
        };
        try {
          const edited = await chat.edit(id, nodeId, newText, {
            signal: controller.signal,
            onDelta,
            onToolResult: toolNotice,
          });
          if ('nodeId' in edited) write(`  [node ${edited.nodeId}]\n`);
          else report(edited);
        } catch (error) {
          if (!controller.signal.aborted) throw error;
          write('\n  [stopped]\n');
        } finally {
          turn = undefined;
        }
        return true;
      }
      case '/regen': {
        const id = await current();
        await stream('assistant', (options) => chat.regenerate(id, options));
        return true;
      }
      case '/approve':
      case '/reject': {
        const id = await current();
        const approve = command === '/approve';
        const callId = argument?.startsWith('call') === true ? argument : undefined;
        const reason = rest.slice(callId === undefined ? 0 : 1).join(' ');
        await stream('assistant', (options) =>
          chat.answerToolCall(
            id,
            {
              approve,
              ...(callId === undefined ? {} : { toolCallId: callId }),
              ...(reason === '' ? {} : { reason }),
            },
            options,
          ),
        );
        return true;
      }
      default:
        throw new Error(`unknown command ${command}. Type /help for the list`);
    }
  };

  const run = async (line: string): Promise<boolean> => {
    try {
      return await handle(line);
    } catch (error) {
      failures += 1;
      // A library error's message is for developers: the user reads the plain version, the log the detail.
      if (DkError.isInstance(error)) {
        onError?.(error);
        write(`error: ${mapError(error).body.error.message}\n`);
      } else write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      return true;
    }
  };

  if (messages !== undefined && messages.length > 0) {
    for (const message of messages) await run(message);
    return failures;
  }

  const lines = createInterface({ input, ...(interactive ? { output, prompt: 'you> ' } : {}), terminal: interactive });
  if (interactive) {
    // Ctrl+C stops the answer being streamed (the partial text is kept as an interrupted
    // node); at the prompt it leaves the chat.
    lines.on('SIGINT', () => {
      if (turn !== undefined) turn.abort(new Error('stopped with Ctrl+C'));
      else lines.close();
    });
    write('Type a message, or /help for commands. Ctrl+C stops an answer; /quit leaves.\n');
    lines.prompt();
  }
  for await (const line of lines) {
    if (!interactive && line.trim() !== '') write(`you> ${line.trim()}\n`);
    if (!(await run(line))) break;
    if (interactive) lines.prompt();
  }
  lines.close();
  return failures;
}
