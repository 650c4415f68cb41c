import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web chat and prompt studio: a React single-page app built into dist/web, served by
// `pnpm demo serve` (src/web/start-server.ts). Built by scripts/build.mjs (`pnpm demo` does it when needed; not a turbo `build`).
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
});
