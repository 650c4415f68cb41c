import type { JsonSchema } from './llm-options.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** What a tool's `execute` receives besides its arguments. */
export interface ToolExecutionContext {
  /** Aborted when the turn is aborted or the tool times out: stop work and reject. */
  readonly signal: AbortSignal;
  /** The conversation whose model asked for the call. */
  readonly conversationId: string;
  /** The model's id of this call (matches the `tool` result node's `toolCallId`). */
  readonly toolCallId: string;
}

/**
 * A tool the model may call. Give its argument shape as JSON Schema (`parameters`) or as a
 * Standard Schema (`inputSchema`: Zod, Valibot, ArkType…), which also types `execute`'s
 * arguments. Arguments are validated before `execute` runs; invalid ones go back to the
 * model as a tool error. Without `execute` the call is returned to the caller unexecuted.
 */
// `any` by default so a ToolSet can hold tools whose arguments are typed differently.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Tool<Args = any, Result = unknown> {
  /** What the tool does, for the model. */
  readonly description?: string;
  /** JSON Schema of the arguments object. */
  readonly parameters?: JsonSchema;
  /** Standard Schema of the arguments; validates (and may transform) them before `execute`. */
  readonly inputSchema?: StandardSchemaV1<unknown, Args>;
  /** Runs the tool. The result is sent to the model as JSON (strings as they are). */
  readonly execute?: (args: Args, context: ToolExecutionContext) => Result | Promise<Result>;
  /**
   * When true (or when the function returns true for the arguments), the call is not
   * executed until it is approved with `approveToolCall`; the turn ends with it pending.
   */
  readonly needsApproval?: boolean | ((args: Args) => boolean | Promise<boolean>);
}

/** Tools by the name the model calls them with. */
export type ToolSet = Readonly<Record<string, Tool>>;
