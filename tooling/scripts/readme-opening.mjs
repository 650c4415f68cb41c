// The opening every published package's README has (STYLE.md § Docs):
//
//   # @dk/x
//   One sentence of purpose.
//   ## Install        a ```sh block with `npm install @dk/x …`
//   ## Quick start    one ```js block of at most 10 lines, runnable as it stands
//
// check-packages.mjs checks the shape; check-tarballs.mjs runs the quick start from the
// packed tarballs, as an ES module and as CommonJS, so the README and the test cannot drift.

/** Most non-blank lines a quick start may have. */
export const quickStartMaxLines = 10;

function sections(markdown) {
  const result = [];
  let current = { heading: '', lines: [] };
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (!fenced && /^#{1,2} /.test(line)) {
      result.push(current);
      current = { heading: line, lines: [] };
    } else current.lines.push(line);
  }
  result.push(current);
  return result;
}

function codeBlocks(lines) {
  const blocks = [];
  let block;
  for (const line of lines) {
    if (block === undefined && line.startsWith('```')) block = { language: line.slice(3).trim(), lines: [] };
    else if (block !== undefined && line.startsWith('```')) {
      blocks.push(block);
      block = undefined;
    } else if (block !== undefined) block.lines.push(line);
  }
  return blocks;
}

/**
 * Reads the opening of `markdown` for package `name`. Returns `{ problems, quickStart }`, the
 * quick start's code (`undefined` when missing) and what is wrong with the opening.
 */
export function readReadmeOpening(name, markdown) {
  const problems = [];
  const [, title, install, quickStart] = sections(markdown);
  if (title?.heading !== `# ${name}`) problems.push(`README must start with "# ${name}"`);
  const purpose = (title?.lines ?? [])
    .join('\n')
    .trim()
    .split(/\n\s*\n/)
    .filter(Boolean);
  if (purpose.length !== 1) problems.push('README: the title must be followed by one paragraph saying what it is for');
  const installCommand = new RegExp(`^npm install (?:[^\\s]+ )*${name.replace('/', '\\/')}(?: |$)`);
  if (install?.heading !== '## Install') problems.push('README: the second section must be "## Install"');
  else if (!codeBlocks(install.lines).some((block) => block.lines.some((line) => installCommand.test(line)))) {
    problems.push(`README: "## Install" must show \`npm install ${name}\` in a code block`);
  }
  let code;
  if (quickStart?.heading !== '## Quick start') problems.push('README: the third section must be "## Quick start"');
  else {
    const blocks = codeBlocks(quickStart.lines);
    if (blocks.length !== 1 || blocks[0].language !== 'js') {
      problems.push('README: "## Quick start" must have exactly one ```js code block');
    } else {
      const lines = blocks[0].lines.filter((line) => line.trim() !== '').length;
      if (lines > quickStartMaxLines) {
        problems.push(
          `README: the quick start has ${lines} lines; keep it to ${quickStartMaxLines} and move the rest below`,
        );
      }
      code = `${blocks[0].lines.join('\n')}\n`;
    }
  }
  return { problems, quickStart: code };
}

/**
 * What a quick start promises to print, one entry per `console.log(…)` line: the text after
 * its `// → ` comment, or null when it has none (any output accepted).
 */
export function expectedOutput(code) {
  return code
    .split('\n')
    .filter((line) => line.includes('console.log('))
    .map((line) => /\/\/ → (.*)$/.exec(line)?.[1]?.trim() ?? null);
}

/**
 * The CommonJS form of an ES-module quick start: static imports become `require` calls and
 * the rest runs in an async function (CommonJS has no top-level await).
 */
export function toCommonJs(code) {
  const requires = [];
  const statements = code.replace(
    /^import\s+([\s\S]*?)\s+from\s+'([^']+)';?[ \t]*(?:\/\/.*)?$/gm,
    (_, clause, source) => {
      requires.push(requireFor(clause.trim(), source));
      return '';
    },
  );
  const body = statements.trim().split('\n');
  return [
    "'use strict';",
    ...requires,
    '(async () => {',
    ...body.map((line) => (line === '' ? line : `  ${line}`)),
    '})().catch((error) => {',
    '  console.error(error);',
    '  process.exitCode = 1;',
    '});',
    '',
  ].join('\n');
}

function requireFor(clause, source) {
  const call = `require('${source}')`;
  const named = /\{([\s\S]*)\}/.exec(clause);
  const defaultName = /^([A-Za-z_$][\w$]*)/.exec(clause)?.[1];
  const namespace = /\*\s+as\s+([A-Za-z_$][\w$]*)/.exec(clause)?.[1];
  const lines = [];
  if (namespace !== undefined) lines.push(`const ${namespace} = ${call};`);
  if (defaultName !== undefined) {
    // A CommonJS module's `module.exports` is what `import x from` gives; an ES module's default export otherwise.
    lines.push(
      `const ${defaultName} = ((module) => (module && module.__esModule ? module.default : module))(${call});`,
    );
  }
  if (named !== null) {
    const bindings = named[1]
      .split(',')
      .map((binding) => binding.trim())
      .filter(Boolean)
      .map((binding) => binding.replace(/\s+as\s+/, ': '));
    lines.push(`const { ${bindings.join(', ')} } = ${call};`);
  }
  return lines.join('\n');
}
