// Builds the demo: the web app (React, Vite) into dist/web and the server (src/main.ts with
// the @dk/* packages bundled from source) into dist/server/main.js, so `pnpm demo` starts
// with plain `node` instead of compiling TypeScript on every start. `node scripts/build.mjs`.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages loaded from node_modules at run time: native bindings and database drivers. */
const external = ['better-sqlite3', 'pg', 'pg-native'];

/** Builds both bundles and writes dist/.build-stamp. */
export async function buildDemo({ quiet = false } = {}) {
  const logLevel = quiet ? 'error' : 'info';
  // React's production build (tests run with NODE_ENV=test, which would select the development one).
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({ configFile: join(appDir, 'vite.config.mjs'), logLevel, mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
  await build({
    root: appDir,
    configFile: false,
    logLevel,
    tsconfig: join(appDir, 'tsconfig.bundle.json'),
    resolve: { conditions: ['@dk/source', 'node', 'import', 'default'] },
    ssr: {
      noExternal: true,
      external,
      resolve: { conditions: ['@dk/source', 'node', 'import', 'default'], externalConditions: ['node'] },
    },
    build: {
      ssr: join(appDir, 'src/main.ts'),
      outDir: join(appDir, 'dist/server'),
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: false,
      rolldownOptions: { output: { entryFileNames: 'main.js', format: 'esm' } },
    },
  });
  writeFileSync(join(appDir, 'dist', '.build-stamp'), new Date().toISOString());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDemo();
