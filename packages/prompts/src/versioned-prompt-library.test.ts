import { describe, expect, it } from 'vitest';
import { ConfigPromptLibrary } from './config-prompt-library.js';
import { PromptBuilder } from './prompt-builder.js';
import { VersionedPromptLibrary } from './versioned-prompt-library.js';
import { VersioningError } from './versioning-error.js';

const clock = () => new Date('2026-01-02T03:04:05Z');

function library() {
  const versioned = new VersionedPromptLibrary({
    clock,
    baseLibrary: new ConfigPromptLibrary({
      system: { fallback: 'From base' },
      rag: { docs: { adapter_name: 'docs', query: 'q' } },
    }),
  });
  versioned.createVersion({ name: 'greet', kind: 'system', definition: 'Hello v1', createdBy: 'ann' });
  versioned.createVersion({ name: 'greet', kind: 'system', definition: { template: 'Hello v1.0.1' } });
  versioned.createVersion({
    name: 'greet',
    kind: 'system',
    definition: 'Hello v2',
    version: '2.0.0',
    tags: ['rewrite'],
  });
  return versioned;
}

describe('VersionedPromptLibrary', () => {
  it('creates immutable semver versions, auto-incrementing the patch', () => {
    const versioned = library();
    expect(versioned.listVersions('system', 'greet').map((version) => version.version)).toEqual([
      '2.0.0',
      '1.0.1',
      '1.0.0',
    ]);
    const first = versioned.getVersion('system', 'greet', '1.0.0')!;
    expect(first).toMatchObject({
      createdAt: '2026-01-02T03:04:05.000Z',
      createdBy: 'ann',
      definition: { template: 'Hello v1' },
    });
    expect(Object.isFrozen(first.definition)).toBe(true);
    expect(() =>
      versioned.createVersion({ name: 'greet', kind: 'system', definition: 'again', version: '2.0.0' }),
    ).toThrow(/already exists and versions are immutable/);
    expect(() => versioned.createVersion({ name: 'greet', kind: 'system', definition: 'x', version: 'v3' })).toThrow(
      VersioningError,
    );
    expect(versioned.createVersion({ name: 'greet', kind: 'system', definition: 'x' }).version).toBe('2.0.1');
  });

  it('resolves latest, labels, explicit versions and falls back to the base library', async () => {
    const versioned = library();
    expect((await versioned.getPrompt('system', 'greet'))!.version).toBe('2.0.0');
    versioned.setLabel('system', 'greet', 'production', '1.0.1');
    versioned.setLabel('system', 'greet', 'staging', '2.0.0');
    expect((await versioned.getPrompt('system', 'greet'))!.version).toBe('1.0.1');
    expect((await versioned.getPrompt('system', 'greet', { label: 'staging' }))!.version).toBe('2.0.0');
    expect((await versioned.getPrompt('system', 'greet', { version: '1.0.0' }))!.definition.template).toBe('Hello v1');
    versioned.setLabel('system', 'greet', 'production', '2.0.0');
    expect((await versioned.getPrompt('system', 'greet'))!.version).toBe('2.0.0');
    expect(versioned.getLabels('system', 'greet')).toEqual({ production: '2.0.0', staging: '2.0.0' });
    await expect(versioned.getPrompt('system', 'greet', { label: 'canary' })).rejects.toThrow(/no label "canary"/);
    await expect(versioned.getPrompt('system', 'greet', { version: '9.9.9' })).rejects.toThrow(/has no version 9.9.9/);
    expect(() => versioned.setLabel('system', 'greet', 'production', '9.9.9')).toThrow(/does not exist/);
    expect((await versioned.getPrompt('system', 'fallback'))!.definition.template).toBe('From base');
    expect(await versioned.listPrompts('system')).toEqual(['fallback', 'greet']);
    expect(await versioned.listRagConfigs()).toEqual(['docs']);
  });

  it('assigns experiment variants deterministically and stickily by user', async () => {
    const versioned = library();
    const experiment = versioned.createExperiment({
      kind: 'system',
      name: 'greet',
      variants: [
        { version: '1.0.0', weight: 1 },
        { version: '2.0.0', weight: 1 },
      ],
      id: 'exp-1',
    });
    const users = Array.from({ length: 400 }, (_, index) => `user-${index}`);
    const assignments = users.map((user) => versioned.assignVariant(experiment.id, user));
    const share = assignments.filter((version) => version === '2.0.0').length / users.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
    // Another library instance (another process) assigns the same variants.
    const other = library();
    other.createExperiment({
      kind: 'system',
      name: 'greet',
      variants: [
        { version: '1.0.0', weight: 1 },
        { version: '2.0.0', weight: 1 },
      ],
      id: 'exp-1',
    });
    expect(users.map((user) => other.assignVariant('exp-1', user))).toEqual(assignments);
    expect((await versioned.getPrompt('system', 'greet', { userId: 'user-7' }))!.version).toBe(assignments[7]);
    versioned.stopExperiment('exp-1');
    expect((await versioned.getPrompt('system', 'greet', { userId: 'user-7' }))!.version).toBe('2.0.0');
    expect(() =>
      versioned.createExperiment({ kind: 'system', name: 'greet', variants: [{ version: '1.0.0', weight: 1 }] }),
    ).toThrow(/at least two variants/);
    expect(() => versioned.assignVariant('nope', 'u')).toThrow(/No experiment "nope"/);
  });

  it('honours weights', () => {
    const versioned = library();
    versioned.createExperiment({
      kind: 'system',
      name: 'greet',
      variants: [
        { version: '1.0.0', weight: 9 },
        { version: '2.0.0', weight: 1 },
      ],
      id: 'skewed',
    });
    const share =
      Array.from({ length: 500 }, (_, index) => versioned.assignVariant('skewed', `u${index}`)).filter(
        (version) => version === '1.0.0',
      ).length / 500;
    expect(share).toBeGreaterThan(0.83);
    expect(share).toBeLessThan(0.97);
  });

  it('aggregates per-version metrics', () => {
    const versioned = library();
    expect(versioned.getMetrics('system', 'greet', '1.0.0')).toMatchObject({ uses: 0, successRate: undefined });
    versioned.recordOutcome('system', 'greet', '1.0.0', { success: true, latencyMs: 100, tokens: 50, rating: 5 });
    versioned.recordOutcome('system', 'greet', '1.0.0', { success: false, latencyMs: 300 });
    expect(versioned.getMetrics('system', 'greet', '1.0.0')).toEqual({
      uses: 2,
      successes: 1,
      failures: 1,
      successRate: 0.5,
      averageLatencyMs: 200,
      averageTokens: 50,
      averageRating: 5,
    });
    expect(() => versioned.recordOutcome('system', 'greet', '1.0.0', { rating: 6 })).toThrow(/between 1 and 5/);
  });

  it('works under the async builder, which reports the version rendered', async () => {
    const versioned = library();
    const builder = new PromptBuilder({ library: versioned });
    const result = await builder.renderSystemPrompt('greet', { version: '1.0.0' });
    expect(result).toMatchObject({ content: 'Hello v1', version: '1.0.0', library: 'versioned' });
    const latest = await builder.renderSystemPrompt('greet');
    expect(latest.contentHash).not.toBe(result.contentHash);
  });
});
