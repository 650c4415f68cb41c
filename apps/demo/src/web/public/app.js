/* global document -- browser code, served as is */
// The dk demo web chat: plain browser JavaScript, no build step. Talks to the JSON API and
// reads streamed turns as Server-Sent Events from a POST response.
const $ = (selector) => document.querySelector(selector);
const state = { conversationId: null, tree: null, busy: false };

function setStatus(text) {
  $('#status').textContent = text;
}

function setBusy(busy) {
  state.busy = busy;
  for (const button of document.querySelectorAll('#composer button, .message button, .edit-form button'))
    button.disabled = busy;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error ? data.error.message : `HTTP ${response.status}`);
  return data;
}

/** POSTs a turn and feeds the streamed text to `onDelta`; resolves with the `done` payload. */
async function streamTurn(path, body, onDelta) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const data = await response.json();
    throw new Error(data.error ? data.error.message : `HTTP ${response.status}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null');
      if (name === 'delta') onDelta(data.text);
      else if (name === 'done') return data;
      else if (name === 'error') throw new Error(data.message);
    }
  }
  throw new Error('The stream ended without an answer.');
}

function activePath(tree) {
  const byId = new Map(tree.nodes.map((node) => [node.id, node]));
  const path = [];
  for (let node = byId.get(tree.currentNodeId); node; node = byId.get(node.parentId)) path.unshift(node);
  return path;
}

function messageElement(node) {
  const element = document.createElement('div');
  element.className = `message ${node.role}`;
  element.dataset.nodeId = node.id;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `${node.role} · ${node.id === '' ? 'root' : node.id}${node.editedFrom ? ` · edit of ${node.editedFrom}` : ''}${node.interrupted ? ' · interrupted' : ''}`;
  if (node.role === 'user') {
    const edit = document.createElement('button');
    edit.type = 'button';
    edit.className = 'edit';
    edit.dataset.nodeId = node.id;
    edit.textContent = 'Edit';
    edit.addEventListener('click', () => startEdit(element, node));
    meta.append(edit);
  }
  const text = document.createElement('div');
  text.className = 'text';
  text.textContent = node.text;
  element.append(meta, text);
  return element;
}

function renderMessages() {
  const container = $('#messages');
  container.replaceChildren(...(state.tree ? activePath(state.tree).map(messageElement) : []));
  container.scrollTop = container.scrollHeight;
}

function renderTree() {
  const tree = state.tree;
  const root = $('#tree');
  if (!tree) return root.replaceChildren();
  const children = new Map();
  for (const node of tree.nodes) {
    const list = children.get(node.parentId) ?? [];
    list.push(node);
    children.set(node.parentId, list);
  }
  const build = (parentId) => {
    const list = document.createElement('ul');
    for (const node of children.get(parentId) ?? []) {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `node${node.active ? ' active' : ''}${node.id === tree.currentNodeId ? ' cursor' : ''}`;
      button.dataset.nodeId = node.id;
      button.title = node.text;
      const id = document.createElement('span');
      id.className = 'id';
      id.textContent = node.id === '' ? 'root' : node.id;
      button.append(id, `${node.role}: ${node.text.replace(/\s+/g, ' ').slice(0, 80)}`);
      button.addEventListener('click', () => switchTo(node.id));
      item.append(button);
      if (children.has(node.id)) item.append(build(node.id));
      list.append(item);
    }
    return list;
  };
  root.replaceChildren(build(null));
}

async function renderConversations() {
  const { conversations } = await api('GET', '/api/conversations');
  $('#conversations').replaceChildren(
    ...conversations.map((conversation) => {
      const item = document.createElement('li');
      item.textContent = conversation.title;
      item.title = conversation.id;
      item.dataset.conversationId = conversation.id;
      if (conversation.id === state.conversationId) item.className = 'current';
      item.addEventListener('click', () => openConversation(conversation.id));
      return item;
    }),
  );
}

async function refresh() {
  state.tree = state.conversationId ? await api('GET', `/api/conversations/${state.conversationId}`) : null;
  renderMessages();
  renderTree();
  await renderConversations();
}

async function openConversation(id) {
  state.conversationId = id;
  await refresh();
}

async function run(label, work) {
  if (state.busy) return;
  setBusy(true);
  setStatus(label);
  try {
    await work();
    setStatus('');
  } catch (error) {
    setStatus(`Error: ${error.message}`);
  } finally {
    setBusy(false);
    await refresh().catch(() => undefined);
  }
}

/** Shows the question and a growing answer bubble while a turn streams. */
function streamInto(question) {
  const container = $('#messages');
  if (question !== undefined) container.append(messageElement({ id: '…', role: 'user', text: question }));
  const answer = messageElement({ id: '…', role: 'assistant', text: '' });
  answer.classList.add('streaming');
  container.append(answer);
  const text = answer.querySelector('.text');
  return (delta) => {
    text.textContent += delta;
    container.scrollTop = container.scrollHeight;
  };
}

function send(content) {
  return run('Thinking…', async () => {
    if (!state.conversationId) state.conversationId = (await api('POST', '/api/conversations', {})).id;
    await streamTurn(`/api/conversations/${state.conversationId}/messages`, { content }, streamInto(content));
  });
}

function switchTo(nodeId) {
  return run('Switching branch…', () => api('POST', `/api/conversations/${state.conversationId}/switch`, { nodeId }));
}

function startEdit(element, node) {
  if (state.busy || element.querySelector('.edit-form')) return;
  const form = document.createElement('form');
  form.className = 'edit-form';
  const area = document.createElement('textarea');
  area.value = node.text;
  area.rows = 2;
  const save = document.createElement('button');
  save.type = 'submit';
  save.textContent = 'Save as new branch';
  form.append(area, save);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const content = area.value.trim();
    if (!content) return;
    form.remove();
    void run('Answering the edited message…', () =>
      streamTurn(`/api/conversations/${state.conversationId}/edit`, { nodeId: node.id, content }, streamInto(content)),
    );
  });
  element.append(form);
  area.focus();
}

$('#composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#input');
  const content = input.value.trim();
  if (!content) return;
  input.value = '';
  void send(content);
});
$('#input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('#composer').requestSubmit();
  }
});
$('#regenerate').addEventListener('click', () => {
  if (!state.conversationId) return;
  void run('Regenerating…', () =>
    streamTurn(`/api/conversations/${state.conversationId}/regenerate`, {}, streamInto()),
  );
});
$('#new-conversation').addEventListener('click', () =>
  run('Creating…', async () => {
    state.conversationId = (await api('POST', '/api/conversations', {})).id;
  }),
);

fetch('/health')
  .then((response) => response.json())
  .then((report) => {
    $('#health').textContent =
      `health: ${report.status} · ${report.checks.storage.name ?? 'storage'} ${report.checks.storage.status} · ${report.checks.llm.name ?? 'model'} ${report.checks.llm.status}`;
  })
  .catch(() => undefined);
void refresh();
