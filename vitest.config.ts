import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@dk/source` export
// condition, so tests never need a build first. The other entries are Vite's server defaults;
// vitest hands these conditions to Node too, so `import`/`default` must not be listed (with
// them, `require()` inside CommonJS packages such as `pg` would load ESM wrappers).
const conditions = ['@dk/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@dk/source'] } },
  test: {
    include: ['{packages,apps,tooling}/*/src/**/*.test.ts', 'tooling/scripts/*.test.mjs'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    reporters: ['default', './tooling/test-kit/summary-reporter.ts'],
    typecheck: {
      enabled: true,
      include: ['{packages,apps,tooling}/*/src/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
    testTimeout: 20_000,
    hookTimeout: 60_000,
    allowOnly: !process.env['CI'],
  },
});
