import { describe, expect, it } from 'vitest';
import { DkError } from './dk-error.js';
import type * as DkErrorModule from './dk-error.js';

class WidgetError extends DkError {
  static override readonly errorName: string = 'WidgetError';
  readonly widget: string;
  constructor(widget: string, cause?: unknown) {
    super({ message: `Widget ${widget} broke. Replace it.`, code: 'WIDGET', cause });
    this.widget = widget;
  }
  override get fields() {
    return { widget: this.widget };
  }
}

class SprocketError extends WidgetError {
  static override readonly errorName: string = 'SprocketError';
}

describe('DkError', () => {
  it('sets a stable name, code, message and cause', () => {
    const cause = new Error('root');
    const error = new WidgetError('w1', cause);
    expect(error.name).toBe('WidgetError');
    expect(error.code).toBe('WIDGET');
    expect(error.message).toBe('Widget w1 broke. Replace it.');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('recognises instances of the class and its subclasses, not of siblings', () => {
    const widget = new WidgetError('w');
    const sprocket = new SprocketError('s');
    expect(DkError.isInstance(widget)).toBe(true);
    expect(WidgetError.isInstance(sprocket)).toBe(true);
    expect(SprocketError.isInstance(widget)).toBe(false);
    expect(DkError.isInstance(new Error('plain'))).toBe(false);
    expect(DkError.isInstance(null)).toBe(false);
    expect(DkError.isInstance('DkError')).toBe(false);
  });

  it('recognises instances created by another copy of the package', async () => {
    // A query string makes the module loader evaluate a second, independent copy.
    const copyUrl = './dk-error.js?copy=2';
    const copy = (await import(/* @vite-ignore */ copyUrl)) as typeof DkErrorModule;
    expect(copy.DkError).not.toBe(DkError);
    const foreign = new copy.DkError({ message: 'm', code: 'C' });
    expect(foreign instanceof DkError).toBe(false);
    expect(DkError.isInstance(foreign)).toBe(true);
  });

  it('serialises to JSON with its fields and without the cause', () => {
    const error = new WidgetError('w2', new Error('secret-ish detail'));
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'WidgetError',
      code: 'WIDGET',
      message: 'Widget w2 broke. Replace it.',
      widget: 'w2',
    });
  });
});
