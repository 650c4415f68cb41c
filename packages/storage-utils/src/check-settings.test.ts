import { InvalidOptionsError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { checkSettings } from './check-settings.js';
import { StoreSettingsError } from './store-settings-error.js';

const context = { provider: 'sqlite', component: 'SqliteConversationStore' };

function failure(run: () => unknown): StoreSettingsError {
  try {
    run();
  } catch (error) {
    if (StoreSettingsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected StoreSettingsError');
}

describe('checkSettings', () => {
  it('refuses unknown names with a did-you-mean', () => {
    expect(() => checkSettings(context, { busy_timeout_ms: 1 }, ['busyTimeoutMs'])).toThrow(InvalidOptionsError);
    expect(() => checkSettings(context, 'path.db', ['path'])).toThrow(/expects an options object/);
  });

  it('checks value types and ranges, naming the component and setting', () => {
    const check = checkSettings(context, {}, []);
    expect(check.integer('batchSize', undefined, { min: 1, fallback: 100 })).toBe(100);
    expect(check.integer('batchSize', 7, { min: 1, fallback: 100 })).toBe(7);
    const error = failure(() => check.integer('batchSize', 1.5, { min: 1, fallback: 100 }));
    expect(error.fields).toEqual({ provider: 'sqlite', setting: 'batchSize', component: 'SqliteConversationStore' });
    expect(error.message).toBe('Invalid SqliteConversationStore setting `batchSize`: must be an integer ≥ 1, got 1.5.');
    expect(check.boolean('autoMigrate', undefined, true)).toBe(true);
    expect(failure(() => check.boolean('autoMigrate', 'yes', true)).message).toMatch(/true or false, got a string/);
    expect(check.callback('now', undefined)).toBeUndefined();
    expect(failure(() => check.callback('now', 5)).setting).toBe('now');
    expect(check.string('schema', undefined, { fallback: 'public', reason: 'x' })).toBe('public');
    expect(failure(() => check.string('name', ' ', { reason: 'must be a name.' })).message).toMatch(/empty string/);
  });

  it('never echoes a string value (it may be a connection string with a password)', () => {
    const check = checkSettings(context, {}, []);
    const error = failure(() =>
      check.string('schema', 'postgres://user:s3cret@host/db', { pattern: /^\w+$/, reason: 'must be an identifier.' }),
    );
    expect(error.message).not.toContain('s3cret');
    expect(JSON.stringify(error)).not.toContain('s3cret');
  });
});
