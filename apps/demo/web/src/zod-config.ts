import { config } from 'zod';

// The AI SDK validates stream chunks with zod, which probes `Function('')` for a faster path
// unless told not to; the page's Content-Security-Policy forbids eval, so skip the probe.
// Imported first by main.tsx, before the AI SDK's modules run.
config({ jitless: true });
