#!/usr/bin/env node
// The `dk-prompts` bin. All logic lives in run-cli.ts so tests can call it in-process.
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
