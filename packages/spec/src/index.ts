export { DkError } from './dk-error.js';
export type { DkErrorFields, DkErrorOptions } from './dk-error.js';
