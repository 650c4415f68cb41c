#!/usr/bin/env node
// The tarball install test, part of `pnpm hygiene`: installs the packed tarballs of every
// published package into a fresh npm project in a temporary directory outside the workspace
// (external dependencies come from the npm registry, as a user gets them), then
// 1. loads every published entry point with `import` and with `require` (Node 20.19+) and
//    checks that both see the same exports;
// 2. runs each README's quick start (from the README inside the tarball) as an ES module and,
//    converted, as CommonJS, and checks what it prints against its `// → …` comments.
//
// Nothing reaches a model vendor: a preloaded stub answers the OpenAI and Anthropic endpoints
// and refuses any other network access. The PostgreSQL quick start runs in a fresh database on
// the local server (DK_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test),
// dropped afterwards; REDIS_URL points at the local Redis (DK_TEST_REDIS_URL); the MCP server
// the @dk/tools-mcp quick start runs is installed beside the tarballs. better-sqlite3
// is installed without running its build script, and the binary the workspace built for this
// Node is copied in (same version); without one it is compiled (`npm rebuild`, about 95 s).
//
// Usage: node tooling/scripts/check-tarballs.mjs [--tarballs <dir>] [--keep]
//   --tarballs  use the tarballs check-packages.mjs left there instead of packing again
//   --keep      keep the temporary project and print its path
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { expectedOutput, readReadmeOpening, toCommonJs } from './readme-opening.mjs';
import { listWorkspaces, packWorkspace, repositoryRoot as root } from './workspace.mjs';

const argument = (name) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
const keep = process.argv.includes('--keep');
const started = Date.now();
const problems = [];
const published = listWorkspaces(root).filter((workspace) => workspace.published);

const project = mkdtempSync(join(tmpdir(), 'dk-tarball-install-'));
if (!relative(root, project).startsWith('..')) throw new Error(`${project} is inside the workspace`);

// The environment of a user's shell: without the npm_* settings `pnpm run` passes down.
const userEnvironment = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && !/^pnpm_/i.test(key)),
);

function log(message) {
  process.stdout.write(`check-tarballs: ${message}\n`);
}

function tarballs() {
  const given = argument('--tarballs');
  const directory = given === undefined ? join(project, 'tarballs') : resolve(given);
  if (given === undefined) mkdirSync(directory);
  return published.map((workspace) => {
    const name = `${workspace.name.slice(1).replace('/', '-')}-${workspace.manifest.version}.tgz`;
    const path = join(directory, name);
    return existsSync(path) ? path : packWorkspace(workspace, directory);
  });
}

/** The better-sqlite3 the workspace built, as `{ version, binary }`. */
function workspaceSqlite() {
  const sqliteStore = published.find((workspace) => workspace.name === '@dk/storage-sqlite');
  if (sqliteStore === undefined) return undefined;
  const require = createRequire(join(sqliteStore.directory, 'package.json'));
  const manifestPath = require.resolve('better-sqlite3/package.json');
  const version = JSON.parse(readFileSync(manifestPath, 'utf8')).version;
  return { version, binary: join(dirname(manifestPath), 'build', 'Release', 'better_sqlite3.node') };
}

/** The MCP server @dk/tools-mcp's quick start starts (with `npx`, found installed), at the tests' range. */
function mcpServerForQuickStart() {
  const tools = published.find((workspace) => workspace.name === '@dk/tools-mcp');
  const range = tools?.manifest.devDependencies?.['@modelcontextprotocol/server-everything'];
  return range === undefined ? [] : [`@modelcontextprotocol/server-everything@${range}`];
}

function install() {
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'dk-tarball-install', version: '0.0.0', private: true }, null, 2)}\n`,
  );
  const sqlite = workspaceSqlite();
  const extra = [...(sqlite === undefined ? [] : [`better-sqlite3@${sqlite.version}`]), ...mcpServerForQuickStart()];
  const npm = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', ...tarballs(), ...extra],
    { cwd: project, encoding: 'utf8', env: userEnvironment },
  );
  if (npm.status !== 0) throw new Error(`npm install failed:\n${npm.stdout}${npm.stderr}`);
  if (sqlite !== undefined) {
    const target = join(project, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    if (existsSync(sqlite.binary)) {
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(sqlite.binary, target);
    } else {
      log('no better-sqlite3 binary in the workspace: compiling it (npm rebuild better-sqlite3)');
      execFileSync('npm', ['rebuild', 'better-sqlite3'], { cwd: project, stdio: 'inherit', env: userEnvironment });
    }
  }
}

// Preloaded into every run: canned vendor answers, no other network.
const networkStub = `
const answer = '2, 3 and 5.';
const json = (body) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
const replies = {
  'https://api.openai.com/v1/chat/completions': () => json({
    id: 'chatcmpl-tarball', object: 'chat.completion', created: 0, model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
  }),
  'https://api.anthropic.com/v1/messages': () => json({
    id: 'msg_tarball', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6',
    content: [{ type: 'text', text: answer }], stop_reason: 'end_turn', stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 5 },
  }),
};
globalThis.fetch = async (input) => {
  const url = String(input instanceof Request ? input.url : input).split('?')[0];
  if (replies[url]) return replies[url]();
  throw new TypeError('network access is disabled in the tarball test: ' + url);
};
`;

function run(file, cwd, env) {
  const result = spawnSync(process.execPath, ['--import', join(project, 'network-stub.mjs'), file], {
    cwd,
    encoding: 'utf8',
    env: { ...userEnvironment, ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** Every published JavaScript entry point: `@dk/x` and `@dk/x/subpath`. */
function entryPoints(workspace) {
  return Object.entries(workspace.manifest.publishConfig?.exports ?? { '.': {} })
    .filter(
      ([subpath, target]) => subpath !== './package.json' && !(typeof target === 'string' && target.endsWith('.json')),
    )
    .map(([subpath]) => (subpath === '.' ? workspace.name : `${workspace.name}/${subpath.slice(2)}`));
}

function checkEntryPoints() {
  const specifiers = published.flatMap(entryPoints);
  const body = (load) =>
    `const result = {};\nfor (const specifier of ${JSON.stringify(specifiers)}) {\n` +
    `  try { result[specifier] = Object.keys(${load}).filter((key) => key !== 'default' && key !== '__esModule').sort(); }\n` +
    `  catch (error) { result[specifier] = String(error && error.code ? error.code + ': ' + error.message : error); }\n}\n` +
    'console.log(JSON.stringify(result));\n';
  writeFileSync(join(project, 'load.mjs'), `${body('await import(specifier)')}`);
  writeFileSync(join(project, 'load.cjs'), `${body('require(specifier)')}`);
  const views = {};
  for (const mode of ['mjs', 'cjs']) {
    const result = run(join(project, `load.${mode}`), project, {});
    if (result.status !== 0) {
      problems.push(`loading every entry point (${mode}) failed:\n${result.stderr}`);
      return;
    }
    views[mode] = JSON.parse(result.stdout);
  }
  const before = problems.length;
  for (const specifier of specifiers) {
    const [imported, required] = [views.mjs[specifier], views.cjs[specifier]];
    if (typeof imported === 'string') problems.push(`import('${specifier}') fails: ${imported}`);
    if (typeof required === 'string') problems.push(`require('${specifier}') fails: ${required}`);
    if (Array.isArray(imported) && Array.isArray(required)) {
      if (imported.length === 0) problems.push(`import('${specifier}') has no exports`);
      if (JSON.stringify(imported) !== JSON.stringify(required)) {
        problems.push(`require('${specifier}') and import('${specifier}') see different exports`);
      }
    }
  }
  if (problems.length === before) log(`all ${specifiers.length} entry points load with import and require alike`);
}

/** Runs `body` with the URL of a fresh PostgreSQL database, dropped afterwards. */
async function withDatabase(body) {
  const adminUrl = process.env.DK_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  const pg = createRequire(join(project, 'package.json'))('pg');
  const database = `dk_tarballs_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
  } catch (error) {
    throw new Error(
      `the PostgreSQL quick start needs a server: could not create a database at ${adminUrl} ` +
        `(set DK_TEST_POSTGRES_URL): ${error.message}`,
      { cause: error },
    );
  }
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    return await body(url.href);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

/** Runs the quick start of `workspace`'s README both ways; returns whether both passed. */
async function checkQuickStart(workspace, env) {
  const before = problems.length;
  const readmePath = join(project, 'node_modules', ...workspace.name.split('/'), 'README.md');
  const { quickStart, problems: opening } = readReadmeOpening(workspace.name, readFileSync(readmePath, 'utf8'));
  if (quickStart === undefined) {
    problems.push(`${workspace.name}: the README in the tarball has no runnable quick start (${opening.join('; ')})`);
    return false;
  }
  const expected = expectedOutput(quickStart);
  const slug = workspace.name.slice(1).replace('/', '-');
  for (const [mode, code] of [
    ['mjs', quickStart],
    ['cjs', toCommonJs(quickStart)],
  ]) {
    const cwd = join(project, 'runs', `${slug}-${mode}`);
    mkdirSync(cwd, { recursive: true });
    const file = join(cwd, `quick-start.${mode}`);
    writeFileSync(file, code);
    // A quick start that reads DATABASE_URL gets a database of its own for each run.
    const result = quickStart.includes('DATABASE_URL')
      ? await withDatabase((url) => run(file, cwd, { ...env, DATABASE_URL: url }))
      : run(file, cwd, env);
    const printed = result.stdout.split('\n').filter((line) => line.trim() !== '');
    const where = `${workspace.name} quick start (${mode === 'mjs' ? 'import' : 'require'}, ${relative(project, file)})`;
    if (result.status !== 0) {
      problems.push(`${where} exited with ${result.status}:\n${result.stdout}${result.stderr}`);
    } else if (
      printed.length !== expected.length ||
      expected.some((line, index) => line !== null && printed[index].trim() !== line)
    ) {
      const promised = expected.map((line) => line ?? '(anything)');
      problems.push(`${where} printed\n  ${printed.join('\n  ')}\nwhere the README says\n  ${promised.join('\n  ')}`);
    }
  }
  return problems.length === before;
}

try {
  install();
  log(`installed ${published.length} tarballs into ${project} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  writeFileSync(join(project, 'network-stub.mjs'), networkStub);
  checkEntryPoints();
  const env = {
    OPENAI_API_KEY: 'sk-tarball-test',
    ANTHROPIC_API_KEY: 'sk-ant-tarball-test',
    REDIS_URL: process.env.DK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
  let passed = 0;
  for (const workspace of published) if (await checkQuickStart(workspace, env)) passed += 1;
  log(`${passed} of ${published.length} README quick starts run as documented with import and with require`);
} catch (error) {
  problems.push(String(error?.stack ?? error));
} finally {
  if (keep) log(`kept ${project}`);
  else rmSync(project, { recursive: true, force: true });
}

if (problems.length > 0) {
  process.stderr.write(`\nTarball install test found ${problems.length} problem(s):\n- ${problems.join('\n- ')}\n`);
  process.exit(1);
}
log(
  `all ${published.length} packages install and run from their tarballs (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
