import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { expectedOutput, readReadmeOpening, toCommonJs } from './readme-opening.mjs';

const fence = '```';
const readme = (quickStart) =>
  [
    '# @dk/x',
    '',
    'Does one thing.',
    '',
    '## Install',
    '',
    `${fence}sh`,
    'npm install @dk/x @dk/y',
    fence,
    '',
    '## Quick start',
    '',
    `${fence}js`,
    quickStart,
    fence,
    '',
    '## Usage',
    '',
    `${fence}js`,
    'more();',
    fence,
  ].join('\n');

describe('readReadmeOpening', () => {
  it('returns the quick start of a README with the expected opening', () => {
    expect(readReadmeOpening('@dk/x', readme("import { x } from '@dk/x';\nconsole.log(x);"))).toEqual({
      problems: [],
      quickStart: "import { x } from '@dk/x';\nconsole.log(x);\n",
    });
  });

  it('names what is missing or too long', () => {
    const long = Array.from({ length: 11 }, (_, index) => `line${index}();`).join('\n');
    expect(readReadmeOpening('@dk/x', readme(long)).problems).toEqual([
      'README: the quick start has 11 lines; keep it to 10 and move the rest below',
    ]);
    const noInstall = '# @dk/x\n\nFirst.\n\nSecond paragraph.\n\n## Usage\n\ntext\n';
    expect(readReadmeOpening('@dk/x', noInstall)).toEqual({
      problems: [
        'README: the title must be followed by one paragraph saying what it is for',
        'README: the second section must be "## Install"',
        'README: the third section must be "## Quick start"',
      ],
      quickStart: undefined,
    });
    expect(readReadmeOpening('@dk/z', readme('x();')).problems).toEqual([
      'README must start with "# @dk/z"',
      'README: "## Install" must show `npm install @dk/z` in a code block',
    ]);
  });
});

describe('expectedOutput', () => {
  it('reads the promised output of each console.log line, null where none is promised', () => {
    expect(expectedOutput("console.log(a); // → 1 [ 'b' ]\nrun();\nconsole.log(answer);\n")).toEqual([
      "1 [ 'b' ]",
      null,
    ]);
  });
});

describe('toCommonJs', () => {
  it('turns imports into require calls and runs the rest in an async function', async () => {
    const code = [
      "import pg from 'pg';",
      "import * as all from '@dk/all';",
      "import { a, b as c } from '@dk/ab'; // a comment",
      '',
      'const value = await Promise.resolve(a + c + all.n + pg.n);',
      'console.log(value);',
    ].join('\n');
    const commonJs = toCommonJs(code);
    expect(commonJs).not.toMatch(/^import /m);
    const modules = { pg: { n: 1 }, '@dk/all': { n: 10 }, '@dk/ab': { a: 100, b: 1000 } };
    const printed = [];
    let failed;
    runInNewContext(commonJs, {
      require: (name) => modules[name],
      console: { log: (value) => printed.push(value), error: (error) => (failed = error) },
      process: {},
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(failed).toBeUndefined();
    expect(printed).toEqual([1111]);
  });
});
