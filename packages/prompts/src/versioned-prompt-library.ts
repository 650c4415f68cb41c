import { createHash } from 'node:crypto';
import { checkOptions } from '@dk/spec';
import { checkPromptValue } from './check-prompt-value.js';
import { deepFreeze } from './deep-freeze.js';
import type { PromptDefinition, PromptKind } from './prompt-definition.js';
import { PromptFileError } from './prompt-file-error.js';
import type { PromptEntry, PromptLibrary, PromptLookupOptions, RagConfigEntry } from './prompt-library.js';
import { noSourceLocator } from './source-locator.js';
import { validatePromptName } from './validate-prompt-name.js';
import { VersioningError } from './versioning-error.js';

/** One immutable version of a prompt. */
export interface PromptVersion {
  readonly name: string;
  readonly kind: PromptKind;
  /** Semantic version `MAJOR.MINOR.PATCH`. */
  readonly version: string;
  readonly definition: PromptDefinition;
  /** ISO 8601 creation time. */
  readonly createdAt: string;
  readonly createdBy: string | undefined;
  readonly tags: readonly string[];
  /** The version this one was derived from, if any. */
  readonly parentVersion: string | undefined;
}

/** Options of {@link VersionedPromptLibrary.createVersion}. */
export interface CreatePromptVersionOptions {
  readonly name: string;
  readonly kind: PromptKind;
  /** The prompt; a string is shorthand for `{ template }`. */
  readonly definition: PromptDefinition | string;
  /** Semver; default: the latest version with its patch number + 1 (`1.0.0` first). */
  readonly version?: string;
  readonly createdBy?: string;
  readonly tags?: readonly string[];
  readonly parentVersion?: string;
}

/** One arm of an A/B experiment. */
export interface ExperimentVariant {
  readonly version: string;
  /** Relative share of traffic (> 0). */
  readonly weight: number;
}

/** An A/B experiment between versions of one prompt. */
export interface PromptExperiment {
  readonly id: string;
  readonly name: string;
  readonly kind: PromptKind;
  readonly variants: readonly ExperimentVariant[];
  readonly status: 'running' | 'stopped';
}

/** An outcome recorded for one use of a version. */
export interface PromptOutcome {
  /** Whether the use succeeded. Default true. */
  readonly success?: boolean;
  readonly latencyMs?: number;
  readonly tokens?: number;
  /** User rating 1–5. */
  readonly rating?: number;
}

/** Aggregated outcomes of one version. Averages are `undefined` until there is data. */
export interface PromptVersionMetrics {
  readonly uses: number;
  readonly successes: number;
  readonly failures: number;
  readonly successRate: number | undefined;
  readonly averageLatencyMs: number | undefined;
  readonly averageTokens: number | undefined;
  readonly averageRating: number | undefined;
}

/** Settings of a {@link VersionedPromptLibrary}. */
export interface VersionedPromptLibrarySettings {
  /** Name used in errors and results. Default `versioned`. */
  readonly name?: string;
  /** Library asked for prompts that have no versions here. */
  readonly baseLibrary?: PromptLibrary;
  /** Clock for `createdAt`. Default `() => new Date()`. */
  readonly clock?: () => Date;
}

interface Series {
  readonly versions: Map<string, { readonly version: PromptVersion; readonly entry: PromptEntry }>;
  readonly labels: Map<string, string>;
}

interface MetricTotals {
  uses: number;
  successes: number;
  latencyTotal: number;
  latencyCount: number;
  tokenTotal: number;
  tokenCount: number;
  ratingTotal: number;
  ratingCount: number;
}

const semverPattern = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

function compareVersions(left: string, right: string): number {
  const a = left.split('.').map(Number);
  const b = right.split('.').map(Number);
  return a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
}

/**
 * Prompts with immutable semantic versions, movable labels (`production`, `staging`), A/B
 * experiments with a deterministic, sticky assignment per user, and simple per-version
 * metrics. Held in memory.
 *
 * `getPrompt` picks, in order: the requested `version`; the requested `label`; the variant
 * of a running experiment for `userId`; the `production` label; the latest version; then
 * the base library (only when the prompt has no versions here).
 */
export class VersionedPromptLibrary implements PromptLibrary {
  readonly name: string;
  readonly #base: PromptLibrary | undefined;
  readonly #clock: () => Date;
  readonly #series = new Map<string, Series>();
  readonly #experiments = new Map<string, PromptExperiment>();
  readonly #assignments = new Map<string, string>();
  readonly #metrics = new Map<string, MetricTotals>();
  #experimentCount = 0;
  #changes = 0;

  /** Changes with every new version, label or experiment change, or a base library change. */
  get revision(): number | undefined {
    if (!this.#base) return this.#changes;
    return this.#base.revision === undefined ? undefined : this.#changes + this.#base.revision;
  }

  constructor(settings: VersionedPromptLibrarySettings = {}) {
    checkOptions('VersionedPromptLibrary', settings, ['name', 'baseLibrary', 'clock']);
    this.name = settings.name ?? 'versioned';
    this.#base = settings.baseLibrary;
    this.#clock = settings.clock ?? (() => new Date());
  }

  /**
   * Stores a new immutable version. Throws {@link VersioningError} for a malformed or
   * existing version and {@link PromptFileError} for an invalid definition.
   */
  createVersion(options: CreatePromptVersionOptions): PromptVersion {
    validatePromptName(options.name);
    const series = this.#seriesFor(options.kind, options.name, true);
    const existing = [...series.versions.keys()].sort(compareVersions);
    const latest = existing.at(-1);
    const version =
      options.version ?? (latest ? latest.replace(/\d+$/, (patch) => String(Number(patch) + 1)) : '1.0.0');
    if (!semverPattern.test(version)) {
      throw new VersioningError({
        message: `Version "${version}" is not MAJOR.MINOR.PATCH (e.g. 1.2.0).`,
        code: 'PROMPT_VERSION_INVALID',
      });
    }
    if (series.versions.has(version)) {
      throw new VersioningError({
        message: `Version ${version} of ${options.kind}/${options.name} already exists and versions are immutable. Create ${latest ? latest.replace(/\d+$/, (patch) => String(Number(patch) + 1)) : 'a new version'} instead.`,
        code: 'PROMPT_VERSION_EXISTS',
      });
    }
    const file = `${this.name}:${options.kind}/${options.name}@${version}`;
    const definition: unknown =
      typeof options.definition === 'string' ? { template: options.definition } : structuredClone(options.definition);
    const problems = checkPromptValue(definition, { file, kind: 'prompt', locator: noSourceLocator });
    if (problems.length > 0) throw new PromptFileError({ problems });
    const record: PromptVersion = deepFreeze({
      name: options.name,
      kind: options.kind,
      version,
      definition: definition as PromptDefinition,
      createdAt: this.#clock().toISOString(),
      createdBy: options.createdBy,
      tags: [...(options.tags ?? [])],
      parentVersion: options.parentVersion,
    });
    const entry: PromptEntry = deepFreeze({
      name: options.name,
      kind: options.kind,
      definition: record.definition,
      library: this.name,
      file,
      locator: noSourceLocator,
      version,
    });
    series.versions.set(version, { version: record, entry });
    this.#changes++;
    return record;
  }

  /** One version, or `undefined`. */
  getVersion(kind: PromptKind, name: string, version: string): PromptVersion | undefined {
    return this.#seriesFor(kind, name, false)?.versions.get(version)?.version;
  }

  /** Every version of a prompt, newest (highest semver) first. */
  listVersions(kind: PromptKind, name: string): PromptVersion[] {
    const series = this.#seriesFor(kind, name, false);
    if (!series) return [];
    return [...series.versions.values()]
      .map((item) => item.version)
      .sort((left, right) => compareVersions(right.version, left.version));
  }

  /** Points a label (`production`, `staging`, …) at an existing version; labels move, versions never change. */
  setLabel(kind: PromptKind, name: string, label: string, version: string): void {
    const series = this.#seriesFor(kind, name, false);
    if (!series?.versions.has(version)) {
      throw new VersioningError({
        message: `Cannot label ${kind}/${name}@${version} as "${label}": that version does not exist. Create it first.`,
        code: 'PROMPT_VERSION_NOT_FOUND',
      });
    }
    series.labels.set(label, version);
    this.#changes++;
  }

  /** Removes a label; returns whether it was set. */
  removeLabel(kind: PromptKind, name: string, label: string): boolean {
    this.#changes++;
    return this.#seriesFor(kind, name, false)?.labels.delete(label) ?? false;
  }

  /** Labels of a prompt and the versions they point at. */
  getLabels(kind: PromptKind, name: string): Record<string, string> {
    return Object.fromEntries(this.#seriesFor(kind, name, false)?.labels ?? []);
  }

  /**
   * Starts an A/B experiment between existing versions (at least two, weights > 0). While it
   * runs, lookups with a `userId` get that user's variant.
   */
  createExperiment(options: {
    readonly kind: PromptKind;
    readonly name: string;
    readonly variants: readonly ExperimentVariant[];
    readonly id?: string;
  }): PromptExperiment {
    const series = this.#seriesFor(options.kind, options.name, false);
    if (options.variants.length < 2) {
      throw new VersioningError({
        message: 'An experiment needs at least two variants.',
        code: 'PROMPT_EXPERIMENT_INVALID',
      });
    }
    for (const variant of options.variants) {
      if (!series?.versions.has(variant.version)) {
        throw new VersioningError({
          message: `Experiment variant ${options.kind}/${options.name}@${variant.version} does not exist. Create the version first.`,
          code: 'PROMPT_EXPERIMENT_INVALID',
        });
      }
      if (!(variant.weight > 0) || !Number.isFinite(variant.weight)) {
        throw new VersioningError({
          message: `Experiment variant ${variant.version} needs a weight > 0, got ${variant.weight}.`,
          code: 'PROMPT_EXPERIMENT_INVALID',
        });
      }
    }
    const running = [...this.#experiments.values()].find(
      (experiment) =>
        experiment.status === 'running' && experiment.kind === options.kind && experiment.name === options.name,
    );
    if (running) {
      throw new VersioningError({
        message: `Experiment "${running.id}" is already running for ${options.kind}/${options.name}. Stop it first.`,
        code: 'PROMPT_EXPERIMENT_INVALID',
      });
    }
    const id = options.id ?? `${options.kind}/${options.name}#${++this.#experimentCount}`;
    if (this.#experiments.has(id))
      throw new VersioningError({ message: `Experiment id "${id}" is taken.`, code: 'PROMPT_EXPERIMENT_INVALID' });
    const experiment: PromptExperiment = deepFreeze({
      id,
      kind: options.kind,
      name: options.name,
      variants: options.variants.map((variant) => ({ ...variant })),
      status: 'running',
    });
    this.#experiments.set(id, experiment);
    this.#changes++;
    return experiment;
  }

  /** Stops an experiment; lookups fall back to labels and the latest version. */
  stopExperiment(id: string): void {
    const experiment = this.#requireExperiment(id);
    this.#experiments.set(id, Object.freeze({ ...experiment, status: 'stopped' }));
    this.#changes++;
  }

  /** An experiment by id. */
  getExperiment(id: string): PromptExperiment | undefined {
    return this.#experiments.get(id);
  }

  /**
   * The variant (version) of an experiment for a user: deterministic (SHA-256 of
   * `experimentId:userId` mapped to [0, 1) and matched against the cumulative weights, in
   * variant order) and sticky (a user keeps their variant for the experiment's life).
   */
  assignVariant(experimentId: string, userId: string): string {
    const experiment = this.#requireExperiment(experimentId);
    const key = `${experimentId}\u0000${userId}`;
    const known = this.#assignments.get(key);
    if (known) return known;
    const digest = createHash('sha256').update(`${experimentId}:${userId}`).digest();
    const point = digest.readUInt32BE(0) / 0x1_0000_0000;
    const total = experiment.variants.reduce((sum, variant) => sum + variant.weight, 0);
    let cumulative = 0;
    let chosen = experiment.variants.at(-1)!.version;
    for (const variant of experiment.variants) {
      cumulative += variant.weight / total;
      if (point < cumulative) {
        chosen = variant.version;
        break;
      }
    }
    this.#assignments.set(key, chosen);
    return chosen;
  }

  /** Records the outcome of one use of a version. Throws {@link VersioningError} for a rating outside 1–5. */
  recordOutcome(kind: PromptKind, name: string, version: string, outcome: PromptOutcome = {}): void {
    if (outcome.rating !== undefined && !(outcome.rating >= 1 && outcome.rating <= 5)) {
      throw new VersioningError({
        message: `A rating must be between 1 and 5, got ${outcome.rating}.`,
        code: 'PROMPT_METRICS_INVALID',
      });
    }
    const key = `${kind}/${name}@${version}`;
    const totals = this.#metrics.get(key) ?? {
      uses: 0,
      successes: 0,
      latencyTotal: 0,
      latencyCount: 0,
      tokenTotal: 0,
      tokenCount: 0,
      ratingTotal: 0,
      ratingCount: 0,
    };
    totals.uses++;
    if (outcome.success !== false) totals.successes++;
    if (outcome.latencyMs !== undefined) {
      totals.latencyTotal += outcome.latencyMs;
      totals.latencyCount++;
    }
    if (outcome.tokens !== undefined) {
      totals.tokenTotal += outcome.tokens;
      totals.tokenCount++;
    }
    if (outcome.rating !== undefined) {
      totals.ratingTotal += outcome.rating;
      totals.ratingCount++;
    }
    this.#metrics.set(key, totals);
  }

  /** Aggregated outcomes of a version. */
  getMetrics(kind: PromptKind, name: string, version: string): PromptVersionMetrics {
    const totals = this.#metrics.get(`${kind}/${name}@${version}`);
    if (!totals)
      return {
        uses: 0,
        successes: 0,
        failures: 0,
        successRate: undefined,
        averageLatencyMs: undefined,
        averageTokens: undefined,
        averageRating: undefined,
      };
    const average = (total: number, count: number) => (count === 0 ? undefined : total / count);
    return {
      uses: totals.uses,
      successes: totals.successes,
      failures: totals.uses - totals.successes,
      successRate: totals.successes / totals.uses,
      averageLatencyMs: average(totals.latencyTotal, totals.latencyCount),
      averageTokens: average(totals.tokenTotal, totals.tokenCount),
      averageRating: average(totals.ratingTotal, totals.ratingCount),
    };
  }

  async getPrompt(kind: PromptKind, name: string, options: PromptLookupOptions = {}): Promise<PromptEntry | undefined> {
    validatePromptName(name);
    const series = this.#seriesFor(kind, name, false);
    if (!series || series.versions.size === 0) return this.#base?.getPrompt(kind, name, options);
    if (options.version !== undefined) {
      const found = series.versions.get(options.version);
      if (!found)
        throw new VersioningError({
          message: `${kind}/${name} has no version ${options.version}. Known: ${[...series.versions.keys()].join(', ')}.`,
          code: 'PROMPT_VERSION_NOT_FOUND',
        });
      return found.entry;
    }
    if (options.label !== undefined) {
      const version = series.labels.get(options.label);
      if (version === undefined)
        throw new VersioningError({
          message: `${kind}/${name} has no label "${options.label}". Set it with setLabel().`,
          code: 'PROMPT_LABEL_NOT_FOUND',
        });
      return series.versions.get(version)!.entry;
    }
    if (options.userId !== undefined) {
      const experiment = [...this.#experiments.values()].find(
        (candidate) => candidate.status === 'running' && candidate.kind === kind && candidate.name === name,
      );
      if (experiment) return series.versions.get(this.assignVariant(experiment.id, options.userId))!.entry;
    }
    const production = series.labels.get('production');
    if (production !== undefined) return series.versions.get(production)!.entry;
    const latest = [...series.versions.keys()].sort(compareVersions).at(-1)!;
    return series.versions.get(latest)!.entry;
  }

  async listPrompts(kind: PromptKind): Promise<string[]> {
    const own = [...this.#series.entries()]
      .filter(([key, series]) => key.startsWith(`${kind}/`) && series.versions.size > 0)
      .map(([key]) => key.slice(kind.length + 1));
    const base = this.#base ? await this.#base.listPrompts(kind) : [];
    return [...new Set([...own, ...base])].sort();
  }

  async getRagConfig(name: string, options?: PromptLookupOptions): Promise<RagConfigEntry | undefined> {
    return this.#base?.getRagConfig(name, options);
  }

  async listRagConfigs(): Promise<string[]> {
    return this.#base ? this.#base.listRagConfigs() : [];
  }

  #seriesFor(kind: PromptKind, name: string, create: true): Series;
  #seriesFor(kind: PromptKind, name: string, create: false): Series | undefined;
  #seriesFor(kind: PromptKind, name: string, create: boolean): Series | undefined {
    const key = `${kind}/${name}`;
    let series = this.#series.get(key);
    if (!series && create) {
      series = { versions: new Map(), labels: new Map() };
      this.#series.set(key, series);
    }
    return series;
  }

  #requireExperiment(id: string): PromptExperiment {
    const experiment = this.#experiments.get(id);
    if (!experiment)
      throw new VersioningError({
        message: `No experiment "${id}". Create it with createExperiment().`,
        code: 'PROMPT_EXPERIMENT_NOT_FOUND',
      });
    return experiment;
  }
}
