import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@dk/source` export
// condition, so tests never need a build first.
const conditions = ['@dk/source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@dk/source'] } },
  test: {
    include: ['{packages,apps,tooling}/*/src/**/*.test.ts'],
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
