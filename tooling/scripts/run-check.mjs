#!/usr/bin/env node
// `pnpm check`: the root scripts below, cheapest first, stopping at the first that fails and
// saying which one it was and how to run it alone. The tests run last, so their summary line
// (`tests: N passed, N failed, N skipped`) stays the closing line of a passing run.
import { spawnSync } from 'node:child_process';

const steps = [
  ['format:check', 'Prettier on the tree'],
  ['layers', 'the layer rule, tooling/scripts/check-layers.mjs'],
  ['knip', 'unused files, exports and dependencies, knip.jsonc'],
  ['lint', 'ESLint'],
  ['typecheck', 'tsc in every package'],
  ['hygiene', 'build, package hygiene and the tarball install test'],
  ['test', 'vitest'],
];

const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const started = performance.now();
const passed = [];

for (const [index, [script, what]] of steps.entries()) {
  const last = index === steps.length - 1;
  if (last) process.stdout.write(`\n==> pnpm check: passed ${passed.join(', ')}\n`);
  process.stdout.write(`\n==> pnpm check ${index + 1}/${steps.length}: pnpm ${script} — ${what}\n`);
  const stepStarted = performance.now();
  const result = spawnSync('pnpm', ['run', script], { stdio: 'inherit' });
  const status = result.status ?? 1;
  if (status !== 0) {
    const reason = result.signal ? `killed by ${result.signal}` : `exit code ${status}`;
    process.stderr.write(
      `\n==> pnpm check FAILED at step ${index + 1}/${steps.length}, \`pnpm ${script}\` — ${what}: ${reason} ` +
        `after ${seconds(stepStarted)} (${seconds(started)} in all).\n` +
        `    Its output is above. Run it alone with \`pnpm ${script}\`.` +
        (passed.length > 0 ? ` Passed before it: ${passed.join(', ')}.\n` : '\n'),
    );
    process.exit(status);
  }
  passed.push(`${script} (${seconds(stepStarted)})`);
}
