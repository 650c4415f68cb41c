/**
 * The Standard Schema interface (https://standardschema.dev), version 1: what Zod (3.24+,
 * 4), Valibot, ArkType and others implement. Copied as types only, as the spec invites, so
 * dk depends on no validation library.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaV1Props<Input, Output>;
}

/** The `~standard` properties of a {@link StandardSchemaV1}. */
export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  /** The version of the Standard Schema interface. */
  readonly version: 1;
  /** The library that made the schema (`zod`, `valibot`, …). */
  readonly vendor: string;
  /** Validates an unknown value. */
  readonly validate: (value: unknown) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  /** Inferred types, for type inference only. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  /**
   * Optional JSON Schema conversion (the Standard JSON Schema extension some libraries
   * implement); dk uses it to tell a model the shape of a tool's arguments or an answer.
   */
  readonly jsonSchema?:
    | {
        readonly input?: (options: { readonly target: string }) => Record<string, unknown>;
        readonly output?: (options: { readonly target: string }) => Record<string, unknown>;
      }
    | undefined;
}

/** Result of {@link StandardSchemaV1Props.validate}: a value, or issues. */
export type StandardSchemaV1Result<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: readonly StandardSchemaV1Issue[] };

/** One validation issue. */
export interface StandardSchemaV1Issue {
  /** What is wrong. */
  readonly message: string;
  /** Where: keys (or `{ key }` segments) from the root of the value. */
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** The output type of a Standard Schema (what a successful validation returns). */
export type InferSchemaOutput<Schema> = Schema extends StandardSchemaV1<unknown, infer Output> ? Output : unknown;
