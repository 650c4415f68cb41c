import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mapError } from '@dk/http';
import { DkError } from '@dk/spec';
import { ChatService } from './chat/chat-service.js';
import { progressBar } from './cli/progress-bar.js';
import { runCli } from './cli/run-cli.js';
import { createDemoApp } from './compose/create-demo-app.js';
import { DemoConfigError } from './config/demo-config-error.js';
import { loadConfig } from './config/load-config.js';
import { startServer } from './web/start-server.js';

/** The demo app directory: above `src/` (run from source) or `dist/server/` (the built bundle). */
function findAppDir(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json')) && dirname(directory) !== directory)
    directory = dirname(directory);
  return directory;
}
const appDir = findAppDir();

const usage = `Usage: pnpm demo [serve] [--env development|production] [--message "text"]... [--resume <conversation id>]

  (no command)   terminal chat; a script is read from stdin when it is not a terminal
  serve          web chat and JSON API on server.host:server.port (DK_PORT)
  --env          configuration file config/<env>.yaml (default DK_ENV or development)
  --message, -m  send a message and exit (repeatable)
  --resume       continue a stored conversation
`;

/**
 * One path for SIGINT and SIGTERM, however the process is started (`node`, `tsx`, `pnpm`):
 * the first signal starts the graceful shutdown, later ones — wrappers such as `tsx`
 * forward a signal the process group already received — are noted and ignored, so nothing
 * is cut off twice. The process exits when the shutdown is done.
 */
function onShutdownSignal(shutdown: (signal: string) => Promise<void>): void {
  let stopping: Promise<void> | undefined;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping !== undefined) {
      process.stderr.write(`dk demo: ${signal} received, still shutting down gracefully\n`);
      return;
    }
    // Exit once the log lines written so far are flushed (writes to a pipe are asynchronous).
    const exit = (code: number): void => void process.stdout.write('', () => process.exit(code));
    stopping = shutdown(signal).then(
      () => exit(0),
      (error: unknown) => {
        process.stderr.write(`dk demo: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      env: { type: 'string' },
      message: { type: 'string', short: 'm', multiple: true },
      resume: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'chat';
  if (values.help === true || !['chat', 'serve'].includes(command)) {
    process.stdout.write(usage);
    return values.help === true ? 0 : 2;
  }
  const config = await loadConfig({ appDir, ...(values.env === undefined ? {} : { environment: values.env }) });

  if (command === 'serve') {
    const app = await createDemoApp({
      config,
      appDir,
      onIndexProgress: progressBar(process.stderr, 'Indexing RAG corpus'),
    });
    const server = await startServer({ app, appDir });
    process.stdout.write(`dk demo (${config.environment}) listening on ${server.url}\n`);
    onShutdownSignal((signal) => server.close(signal));
    return new Promise(() => undefined);
  }

  // The terminal is for the conversation: logs go to a file next to the default database.
  const logFile = join(appDir, '.data', 'demo.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const app = await createDemoApp({
    config,
    appDir,
    writeLog: (line) => appendFileSync(logFile, line),
    onIndexProgress: progressBar(process.stderr, 'Indexing RAG corpus'),
  });
  try {
    const failures = await runCli({
      chat: new ChatService(app),
      input: process.stdin,
      output: process.stdout,
      interactive: process.stdin.isTTY === true && values.message === undefined,
      ...(values.message === undefined ? {} : { messages: values.message }),
      ...(values.resume === undefined ? {} : { resume: values.resume }),
      maxMessageChars: config.server.maxMessageChars,
      onError: (error) => app.logger.error('terminal command failed', { error }),
    });
    // A script (or --message) fails when any line failed; an interactive session ends normally.
    return failures === 0 || (process.stdin.isTTY === true && values.message === undefined) ? 0 : 1;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Configuration errors speak to the operator; other library errors are told plainly.
    const message =
      DkError.isInstance(error) && !DemoConfigError.isInstance(error)
        ? mapError(error).body.error.message
        : error instanceof Error
          ? error.message
          : String(error);
    process.stderr.write(`dk demo: ${message}\n`);
    process.exitCode = 1;
  },
);
