#!/usr/bin/env node
// Committed launcher for the `dk-prompts` bin, so package managers can link it before the
// package is built; the command itself is the compiled `dist/cli.js`.
await import('../dist/cli.js');
