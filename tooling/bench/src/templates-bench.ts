// Template rendering benchmark: @dk/templates against a hand-written string-concatenation
// function (the floor), Handlebars, mustache.js and Eta, in one process, interleaved.
import { compileTemplate } from '@dk/templates';
import { Eta } from 'eta';
import Handlebars from 'handlebars';
import Mustache from 'mustache';
import { templateFixtures } from './templates-fixtures.js';
import type { TemplateFixture } from './templates-fixtures.js';
import { median } from './bench-stats.js';

type Render = () => string;

interface Engine {
  readonly name: string;
  readonly render: Render;
}

// Many short batches: under load a short batch is rarely preempted, so the median stays
// close to the undisturbed speed.
const ROUNDS = 61;
const BATCH_NS = 300_000;
let sink = 0;
// The last results are kept, and every result is read back (one character, which makes the
// engine flatten a string built by concatenation into one piece, as any consumer that sends
// or hashes it does), so no engine can skip building its output.
const KEPT = 16;
const kept: string[] = new Array<string>(KEPT).fill('');
let keptAt = 0;

/** Calls `render` `iterations` times, reading back every result; returns ns per call. */
function timeBatch(render: Render, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let k = 0; k < iterations; k++) {
    const text = render();
    sink += text.charCodeAt(text.length - 1);
    kept[keptAt++ & (KEPT - 1)] = text;
  }
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Throws unless every kept result of the last batch is `expected` (checked outside the timing). */
function checkKept(engine: Engine, expected: string, what: string): void {
  for (const text of kept) {
    if (text !== expected) {
      throw new Error(
        `${engine.name} renders ${what} differently from the hand-written function:\n${JSON.stringify(text.slice(0, 400))}\nvs\n${JSON.stringify(expected.slice(0, 400))}`,
      );
    }
  }
}

/** Iterations that make one batch take about {@link BATCH_NS}. */
function calibrate(render: Render): number {
  let iterations = 16;
  for (;;) {
    const elapsed = timeBatch(render, iterations) * iterations;
    if (elapsed > BATCH_NS / 4 || iterations > 1 << 24)
      return Math.max(1, Math.round((iterations * BATCH_NS) / Math.max(elapsed, 1)));
    iterations *= 2;
  }
}

/**
 * Median ns per call for each engine, measured in interleaved rounds after warm-up; after
 * every batch the kept results are compared with `expected`.
 */
function measure(engines: readonly Engine[], expected: string, what: string): number[] {
  const iterations = engines.map((engine) => {
    timeBatch(engine.render, 2000);
    checkKept(engine, expected, what);
    return calibrate(engine.render);
  });
  const samples: number[][] = engines.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so no engine always runs first.
    for (let step = 0; step < engines.length; step++) {
      const index = (step + round) % engines.length;
      const engine = engines[index] as Engine;
      (samples[index] as number[]).push(timeBatch(engine.render, iterations[index] as number));
      checkKept(engine, expected, what);
    }
  }
  return samples.map(median);
}

/** Median ns of `run` over `times` calls, each timed alone (for one-off costs like compiling). */
function timeEach(run: () => unknown, times: number): number {
  const samples: number[] = [];
  for (let k = 0; k < times; k++) {
    const start = process.hrtime.bigint();
    sink += run() === undefined ? 0 : 1;
    samples.push(Number(process.hrtime.bigint() - start));
  }
  return median(samples);
}

const eta = new Eta({ autoEscape: false, autoTrim: false, useWith: false });
const mustacheConfig = { escape: (value: unknown): string => String(value) };

/**
 * Every engine renders the same rotation of {@link COPIES} params objects (same shape and
 * values, distinct identities). Rotating keeps the JIT from treating the params as a
 * compile-time constant, which would let it fold the hand-written function's property reads
 * and concatenations away entirely — no real caller passes the same object every time.
 */
const COPIES = 8;

/**
 * The cheapest possible data-driven renderer for the benchmark templates: a flat list of
 * text chunks, keyed reads and truthiness jumps, with none of the language's rules (no
 * has-a-value check, no verbatim fallback, no result object). It is what any renderer that
 * does not generate code pays at least, shown as a reference floor next to the hand-written
 * function. Built with a simple regex because the fixtures only use `{{name}}` and `(( ))`.
 */
function minimalInterpreter(template: string): (params: TemplateFixture['present']) => string {
  const kinds: number[] = [];
  const values: string[] = [];
  const jumps: number[] = [];
  const open: number[] = [];
  for (const token of template.split(/(\{\{\w+\}\}|\(\(|\)\))/)) {
    if (token === '') continue;
    if (token === '((') {
      open.push(kinds.length);
      kinds.push(2);
      values.push('');
      jumps.push(-1);
    } else if (token === '))') {
      const start = open.pop() as number;
      jumps[start] = kinds.length;
      values[start] = values[start + 1] ?? '';
    } else {
      const variable = /^\{\{(\w+)\}\}$/.exec(token);
      kinds.push(variable === null ? 0 : 1);
      values.push(variable === null ? token : (variable[1] as string));
      jumps.push(-1);
    }
  }
  // A section's condition is its first variable (the fixtures start each section with text).
  for (let k = 0; k < kinds.length; k++) {
    if (kinds[k] === 2) {
      let probe = k + 1;
      while (kinds[probe] !== 1) probe++;
      values[k] = values[probe] as string;
    }
  }
  return (params) => {
    let out = '';
    for (let k = 0; k < kinds.length;) {
      const kind = kinds[k];
      if (kind === 0) out += values[k] as string;
      else if (kind === 1) out += params[values[k] as string] as string | number;
      else if (!params[values[k] as string]) {
        k = jumps[k] as number;
        continue;
      }
      k++;
    }
    return out;
  };
}

function engines(fixture: TemplateFixture, params: TemplateFixture['present']): Engine[] {
  const copies = Array.from({ length: COPIES }, () => ({ ...params }));
  let turn = 0;
  const next = (): TemplateFixture['present'] => copies[turn++ & (COPIES - 1)] as TemplateFixture['present'];
  const dk = compileTemplate(fixture.dk);
  const handlebars = Handlebars.compile(fixture.handlebars, { noEscape: true });
  Mustache.parse(fixture.mustache);
  const etaTemplate = eta.compile(fixture.eta);
  const floor = minimalInterpreter(fixture.dk);
  return [
    { name: 'hand-written', render: () => fixture.handWritten(next()) },
    { name: '@dk/templates', render: () => dk.render(next()).content },
    { name: 'no-codegen floor', render: () => floor(next()) },
    { name: 'handlebars', render: () => handlebars(next()) },
    { name: 'mustache', render: () => Mustache.render(fixture.mustache, next(), {}, mustacheConfig) },
    { name: 'eta', render: () => eta.render(etaTemplate, next()) },
  ];
}

function format(ns: number): string {
  return ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`;
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return `| ${cells.map((cell, k) => cell.padEnd(widths[k] as number)).join(' | ')} |`;
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((cell, k) => Math.max(cell.length, ...rows.map((row) => (row[k] ?? '').length)));
  process.stdout.write(`${pad(header, widths)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  for (const row of rows) process.stdout.write(`${pad(row, widths)}\n`);
}

function renderTable(): void {
  const rows: string[][] = [];
  for (const fixture of templateFixtures) {
    for (const [label, params] of [
      ['optional present', fixture.present],
      ['optional absent', fixture.absent],
    ] as const) {
      const list = engines(fixture, params);
      const expected = fixture.handWritten(params);
      for (const engine of list) {
        for (let k = 0; k < COPIES; k++) {
          const actual = engine.render();
          if (actual !== expected) {
            throw new Error(
              `${engine.name} renders ${fixture.name} (${label}) differently from the hand-written function:\n${JSON.stringify(actual.slice(0, 400))}\nvs\n${JSON.stringify(expected.slice(0, 400))}`,
            );
          }
        }
      }
      const [floor, ...others] = measure(list, expected, `${fixture.name} (${label})`) as [number, ...number[]];
      rows.push([
        `${fixture.name} (${fixture.dk.length} chars)`,
        label,
        format(floor),
        ...others.map((ns) => `${format(ns)} (${(ns / floor).toFixed(2)}×)`),
      ]);
    }
  }
  process.stdout.write(
    'Median time per render (ratio to the hand-written function), every result read back (so a string built by\n' +
      'concatenation is flattened, as a consumer would) and the last results of every batch compared with the\n' +
      'hand-written output. "optional absent": the optional sections\' variables are missing, so the sections drop.\n' +
      '"no-codegen floor" is a minimal data-driven loop (appends, keyed reads, jumps; none of the language rules).\n\n',
  );
  printTable(
    ['template', 'params', 'hand-written', '@dk/templates', 'no-codegen floor', 'handlebars', 'mustache', 'eta'],
    rows,
  );
}

function compileTable(): void {
  const rows: string[][] = [];
  for (const fixture of templateFixtures) {
    const times = fixture.name === 'large' ? 200 : 2000;
    // Warm the compilers up on other text so the timed runs are not the first ones.
    for (let k = 0; k < 200; k++) compileTemplate(`${fixture.dk} `);
    const dk = timeEach(() => compileTemplate(fixture.dk), times);
    // Handlebars compiles lazily on the first call, so compile + first render is its prepare cost.
    const handlebars = timeEach(
      () => Handlebars.compile(fixture.handlebars, { noEscape: true })(fixture.present),
      times,
    );
    const mustache = timeEach(() => {
      Mustache.clearCache();
      return Mustache.parse(fixture.mustache);
    }, times);
    const etaCost = timeEach(() => eta.compile(fixture.eta), times);
    rows.push([fixture.name, format(dk), format(handlebars), format(mustache), format(etaCost)]);
  }
  process.stdout.write(
    '\nMedian prepare cost per template (dk compileTemplate; Handlebars compile + first render; mustache parse; Eta compile).\n\n',
  );
  printTable(['template', '@dk/templates', 'handlebars', 'mustache', 'eta'], rows);
}

/**
 * CPU time (user + system, all threads of the process, so garbage collection counts) per
 * call of `run`, averaged over `times` calls. CPU time is not inflated when other processes
 * preempt this one, which matters for calls that last several milliseconds.
 */
function cpuTimePerCall(run: () => unknown, times: number): number {
  const start = process.cpuUsage();
  for (let k = 0; k < times; k++) sink += run() === undefined ? 0 : 1;
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / times;
}

/** Measures parse scaling; run first, while the heap is small, and printed last. */
function scalingLine(): string {
  const unit = templateFixtures.find((fixture) => fixture.name === 'medium')?.dk ?? '';
  const copies = Math.round(100_000 / unit.length);
  const small = unit.repeat(copies);
  const big = unit.repeat(copies * 10);
  for (let k = 0; k < 10; k++) compileTemplate(small);
  compileTemplate(big);
  const smallNs = cpuTimePerCall(() => compileTemplate(small), 100);
  const bigNs = cpuTimePerCall(() => compileTemplate(big), 10);
  return (
    `\nParse scaling (compileTemplate, CPU time per compile): ${(small.length / 1000).toFixed(0)} KB template ${format(smallNs)} (${(smallNs / small.length).toFixed(1)} ns/char), ` +
    `${(big.length / 1e6).toFixed(2)} MB template ${format(bigNs)} (${(bigNs / big.length).toFixed(1)} ns/char); ratio ${(bigNs / smallNs).toFixed(1)}× for 10× the text (linear ≈ 10×).\n`
  );
}

/**
 * Render scaling: sections nested `depth` deep, each holding one variable, with only the
 * innermost variable given (each section is kept because of it). A render that rechecks
 * nested sections costs depth²; a linear one about 10× for 10× the depth.
 */
function renderScalingLine(): string {
  const nested = (depth: number): { template: string; params: Record<string, unknown> } => {
    let template = '';
    for (let k = 0; k < depth; k++) template += `((<{{v${k}}}`;
    for (let k = 0; k < depth; k++) template += '>))';
    return { template, params: { [`v${depth - 1}`]: 'x' } };
  };
  const small = nested(1000);
  const big = nested(10_000);
  const smallCompiled = compileTemplate(small.template);
  const bigCompiled = compileTemplate(big.template);
  for (let k = 0; k < 20; k++) sink += smallCompiled.render(small.params).content.length;
  sink += bigCompiled.render(big.params).content.length;
  const smallNs = cpuTimePerCall(() => smallCompiled.render(small.params).content, 200);
  const bigNs = cpuTimePerCall(() => bigCompiled.render(big.params).content, 20);
  return (
    `Render scaling (sections nested 1,000 vs 10,000 deep, innermost variable given; CPU time per render): ` +
    `${format(smallNs)} vs ${format(bigNs)}; ratio ${(bigNs / smallNs).toFixed(1)}× for 10× the depth (linear ≈ 10×).\n`
  );
}

/** Prints the render table, the compile table and the parse- and render-scaling lines. */
export async function runTemplatesBench(): Promise<void> {
  const scaling = scalingLine();
  const renderScaling = renderScalingLine();
  renderTable();
  compileTable();
  process.stdout.write(scaling);
  process.stdout.write(renderScaling);
  if (sink === -1 || kept[0] === undefined) process.stdout.write('');
}
