// End-to-end test of the web chat in headless Chromium (Debian's /usr/bin/chromium, installed by
// scripts/setup.sh). Without Chromium the test is skipped locally and fails under CI=true.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatService } from '../chat/chat-service.js';
import { createDemoApp } from '../compose/create-demo-app.js';
import { loadConfig } from '../config/load-config.js';
import { startServer } from './start-server.js';
import type { RunningServer } from './start-server.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const available = existsSync(chromiumPath);
const required = process.env['CI'] === 'true' || process.env['CI'] === '1';
if (!available && !required) {
  console.warn(
    `chat-ui.test.ts: skipped — no Chromium at ${chromiumPath}. Install it with \`apt-get install -y chromium\` (scripts/setup.sh does) or set CHROMIUM_PATH.`,
  );
}

describe.skipIf(!available && !required)('web chat in headless Chromium', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!available)
      throw new Error(
        `CI requires the browser test, but there is no Chromium at ${chromiumPath}. Run scripts/setup.sh (it installs Debian's chromium).`,
      );
    const config = await loadConfig({ appDir, env: { DK_STORAGE: 'memory', DK_PORT: '0', DK_LOG_LEVEL: 'silent' } });
    const app = await createDemoApp({ config, appDir, env: {} });
    server = await startServer({ app, chat: new ChatService(app), port: 0 });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sends a message, sees the streamed echo, edits it into a branch and switches back', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await page.locator('#health').filter({ hasText: 'health: ok' }).waitFor();

    await page.fill('#input', 'hello browser');
    await page.press('#input', 'Enter');
    const answers = page.locator('#messages .message.assistant .text');
    await answers.filter({ hasText: 'Echo: hello browser' }).waitFor();
    await page.locator('#tree .node.cursor[data-node-id="0.0"]').waitFor();
    expect(await page.locator('#conversations li').allTextContents()).toContain('hello browser');

    // Edit the question into a new branch: node "1", answered as "1.0".
    await page.click('#messages .message.user button.edit[data-node-id="0"]');
    await page.fill('#messages .edit-form textarea', 'an edited question');
    await page.click('#messages .edit-form button[type="submit"]');
    await page.locator('#tree .node.cursor[data-node-id="1.0"]').waitFor();
    expect(await answers.allTextContents()).toEqual(['Echo: an edited question']);
    expect(await page.locator('#tree .node').count()).toBe(5);

    // Switch back to the first branch by clicking it in the tree.
    await page.click('#tree .node[data-node-id="0.0"]');
    await page.locator('#tree .node.cursor[data-node-id="0.0"]').waitFor();
    expect(await answers.allTextContents()).toEqual(['Echo: hello browser']);

    // Regenerate: a second answer to the same question becomes the cursor.
    await page.click('#regenerate');
    await page.locator('#tree .node.cursor[data-node-id="0.1"]').waitFor();
    await page.click('#tree .node[data-node-id="1.0"]');
    await page.locator('#tree .node.cursor[data-node-id="1.0"]').waitFor();

    const screenshot = join(appDir, 'test-results', 'chat.png');
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(existsSync(screenshot)).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
