// Workaround, test-only: the root vitest config passes its `ssr.resolve.conditions`
// (including `import`) to Node as `--conditions`, so inside `pg` the CommonJS
// `require('pg-pool')` picks pg-pool's ESM wrapper and `class extends Pool` receives a module
// namespace instead of the class. Pre-load the CommonJS build under the wrapper's path so
// `require` returns the class. A no-op wherever resolution already yields CommonJS (tsx,
// production). Remove once the root config stops passing `import`/`default` to Node.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const requireFromPg = createRequire(require.resolve('pg'));
const resolved = requireFromPg.resolve('pg-pool');
if (resolved.endsWith('.mjs')) {
  const moduleApi = require('node:module') as {
    new (id: string): { filename: string; loaded: boolean; exports: unknown };
    _cache: Record<string, unknown>;
  };
  const cached = new moduleApi(resolved);
  cached.filename = resolved;
  cached.exports = requireFromPg(join(dirname(resolved), '..', 'index.js'));
  cached.loaded = true;
  moduleApi._cache[resolved] = cached;
}
