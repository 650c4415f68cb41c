#!/usr/bin/env node
// A small MCP server on the official SDK's low-level `Server`, over stdio, for what the
// reference server cannot show on demand: its tool list changes when asked (`add_tool`,
// `remove_tool`, with `notifications/tools/list_changed`), it records the cancellations it
// receives (`wait_for_cancel`, `cancellations`), and it pages its tool list (one tool a page).
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const objectSchema = (properties = {}, required = []) => ({ type: 'object', properties, required });
const tools = new Map([
  [
    'add_tool',
    { description: 'Adds a tool named by `name`.', inputSchema: objectSchema({ name: { type: 'string' } }, ['name']) },
  ],
  [
    'remove_tool',
    {
      description: 'Removes the tool named by `name`.',
      inputSchema: objectSchema({ name: { type: 'string' } }, ['name']),
    },
  ],
  ['wait_for_cancel', { description: 'Waits until the call is cancelled.', inputSchema: objectSchema() }],
  [
    'cancellations',
    { description: 'How many calls were cancelled.', inputSchema: objectSchema(), annotations: { readOnlyHint: true } },
  ],
  ['files/read.v2', { description: 'A name with characters model vendors refuse.', inputSchema: objectSchema() }],
]);
let cancellations = 0;

const server = new Server(
  { name: 'changing-tools', version: '1.0.0' },
  { capabilities: { tools: { listChanged: true } } },
);
const text = (value) => ({ content: [{ type: 'text', text: String(value) }] });

server.setRequestHandler(ListToolsRequestSchema, (request) => {
  const names = [...tools.keys()];
  const index = request.params?.cursor === undefined ? 0 : Number(request.params.cursor);
  const name = names[index];
  const page = name === undefined ? [] : [{ name, ...tools.get(name) }];
  return { tools: page, ...(index + 1 < names.length ? { nextCursor: String(index + 1) } : {}) };
});

server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
  const { name, arguments: args = {} } = request.params;
  switch (name) {
    case 'add_tool':
      tools.set(args.name, { description: `Added at run time: ${args.name}.`, inputSchema: objectSchema() });
      await server.sendToolListChanged();
      return text(`added ${args.name}`);
    case 'remove_tool':
      tools.delete(args.name);
      await server.sendToolListChanged();
      return text(`removed ${args.name}`);
    case 'wait_for_cancel':
      if (!extra.signal.aborted) {
        await new Promise((resolve) => extra.signal.addEventListener('abort', resolve, { once: true }));
      }
      cancellations += 1;
      return text('cancelled');
    case 'cancellations':
      return text(cancellations);
    default:
      if (tools.has(name)) return text(`ran ${name}`);
      return { content: [{ type: 'text', text: `Unknown tool ${name}` }], isError: true };
  }
});

await server.connect(new StdioServerTransport());
