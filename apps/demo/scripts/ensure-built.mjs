// Whether the demo's build (dist/) is older than any source it is made of, and a build when
// it is: used by `pnpm demo` (scripts/start.mjs) and by the tests that serve the web app.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(appDir, '..', '..');
const stamp = join(appDir, 'dist', '.build-stamp');

/** The server bundle `pnpm demo` runs. */
export const serverEntry = join(appDir, 'dist', 'server', 'main.js');

/** The newest modification time under `path` (files only; node_modules, dist and dot files skipped). */
function newest(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let latest = stats.mtimeMs;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    latest = Math.max(latest, newest(join(path, entry.name)));
  }
  return latest;
}

/** True when dist/ is missing or older than the demo's or a package's sources. */
export function isStale() {
  if (!existsSync(stamp) || !existsSync(serverEntry)) return true;
  const built = statSync(stamp).mtimeMs;
  const sources = [
    join(appDir, 'src'),
    join(appDir, 'web'),
    join(appDir, 'scripts'),
    join(appDir, 'vite.config.mjs'),
    join(appDir, 'package.json'),
    join(repoRoot, 'pnpm-lock.yaml'),
    ...readdirSync(join(repoRoot, 'packages')).map((name) => join(repoRoot, 'packages', name, 'src')),
  ];
  return sources.some((source) => newest(source) > built);
}

const lock = join(appDir, 'dist', '.building');

/** Takes the build lock (a directory: created atomically), waiting while another process builds. */
async function acquireLock() {
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      // A build that died leaves its lock behind: after two minutes it is taken over.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Builds the demo when it is stale (or `force`), one process at a time, saying so on standard error. */
export async function ensureBuilt({ force = false, quiet = true } = {}) {
  if (!force && !isStale()) return false;
  await acquireLock();
  try {
    // Another process may have built it while this one waited.
    if (!force && !isStale()) return false;
    process.stderr.write('dk demo: building (first start, or the sources changed)…\n');
    const started = performance.now();
    const { buildDemo } = await import('./build.mjs');
    await buildDemo({ quiet });
    process.stderr.write(`dk demo: built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
