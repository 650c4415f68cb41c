import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The installed bin of `@modelcontextprotocol/server-everything` (a devDependency; never downloaded at test time). */
export const everythingServerBin: string = (() => {
  const manifestPath = require.resolve('@modelcontextprotocol/server-everything/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifestPath), manifest.bin['mcp-server-everything']!);
})();

/** The stdio server of this directory whose tool list changes on demand. */
export const changingToolsServer: string = fileURLToPath(new URL('./changing-tools-server.mjs', import.meta.url));

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The reference server in its streamable HTTP mode, on its own port. */
export interface EverythingHttpServer {
  readonly url: string;
  readonly process: ChildProcess;
  /** Stops the server (SIGKILL: a crash, as far as its clients can tell) and waits for it to exit. */
  readonly kill: () => Promise<void>;
}

function startOnce(port: number): Promise<EverythingHttpServer | undefined> {
  const child = spawn(process.execPath, [everythingServerBin, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('listening on port')) resolve({ url: `http://127.0.0.1:${port}/mcp`, process: child, kill });
    });
    child.once('error', reject);
    // Exited before listening: the port was taken meanwhile (the caller tries another).
    child.once('exit', () => resolve(undefined));
  });
}

/** Starts `mcp-server-everything streamableHttp` on a free loopback port and waits until it listens. */
export async function startEverythingHttpServer(): Promise<EverythingHttpServer> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const server = await startOnce(await freePort());
    if (server !== undefined) return server;
  }
  throw new Error('mcp-server-everything did not start listening in three attempts');
}
