// `pnpm demo`: runs the built demo (dist/server/main.js) with plain `node`, building it first
// when it is missing or older than any source it is made of (apps/demo/src, apps/demo/web,
// packages/*/src, the lockfile). A warm start only compares file times and loads one bundle.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(appDir, '..', '..');
const stamp = join(appDir, 'dist', '.build-stamp');
const entry = join(appDir, 'dist', 'server', 'main.js');

/** The newest modification time under `path` (files only; node_modules and dist skipped). */
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

function stale() {
  if (!existsSync(stamp) || !existsSync(entry)) return true;
  const built = statSync(stamp).mtimeMs;
  const sources = [
    join(appDir, 'src'),
    join(appDir, 'web'),
    join(appDir, 'scripts'),
    join(appDir, 'vite.config.ts'),
    join(appDir, 'package.json'),
    join(repoRoot, 'pnpm-lock.yaml'),
    ...readdirSync(join(repoRoot, 'packages')).map((name) => join(repoRoot, 'packages', name, 'src')),
  ];
  return sources.some((source) => newest(source) > built);
}

if (process.env['DK_DEMO_REBUILD'] === '1' || stale()) {
  process.stderr.write('dk demo: building (first start, or the sources changed)…\n');
  const started = performance.now();
  const { buildDemo } = await import('./build.mjs');
  await buildDemo({ quiet: true });
  process.stderr.write(`dk demo: built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
await import(pathToFileURL(entry).href);
