// Runs every benchmark suite in sequence. Suites register themselves in `suites.ts`.
import { suites } from './suites.js';

const only = process.argv.slice(2);
for (const suite of suites) {
  if (only.length > 0 && !only.includes(suite.name)) continue;
  process.stdout.write(`\n## ${suite.name}\n\n`);
  await suite.run();
}
