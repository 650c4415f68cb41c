// `pnpm demo`: runs the built demo (dist/server/main.js) with plain `node`, building it first
// when it is missing or older than any source it is made of (see ensure-built.mjs). A warm
// start only compares file times and loads one bundle. DK_DEMO_REBUILD=1 forces a build.
import { pathToFileURL } from 'node:url';
import { ensureBuilt, serverEntry } from './ensure-built.mjs';

await ensureBuilt({ force: process.env['DK_DEMO_REBUILD'] === '1' });
await import(pathToFileURL(serverEntry).href);
