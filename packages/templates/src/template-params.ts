/*
 * Type-level reading of a template literal: variables outside every `(( … ))` become
 * required keys, variables only inside sections (and the built-ins) optional keys; a dotted
 * path `a.b` becomes a nested object type `{ a: { b: unknown } }` up to the first numeric
 * segment (`items.0` gives `{ items: unknown }`). The reader is deliberately shallow so it
 * stays cheap: past 48 variables or 96 section delimiters, or for a non-literal `string`,
 * it gives up and the params type is `Record<string, unknown>`.
 */

type Loose = Record<string, unknown>;
type MaxVariables = 48;
type MaxDelimiters = 96;
type Overflow = 'overflow';
type Builtin = 'current_date' | 'current_datetime' | 'current_year';
type WhiteSpace = ' ' | '\t' | '\n' | '\r';

type Trim<S extends string> = S extends `${WhiteSpace}${infer R}`
  ? Trim<R>
  : S extends `${infer L}${WhiteSpace}`
    ? Trim<L>
    : S;

type Pop<D extends unknown[]> = D extends [unknown, ...infer R] ? R : [];

/**
 * Section depth after the text `S`, starting at depth `D`; `Overflow` past the budget. A
 * delimiter right after a backslash is an escape and leaves the depth alone.
 */
type Walk<S extends string, D extends unknown[], N extends unknown[]> = N['length'] extends MaxDelimiters
  ? Overflow
  : S extends `${infer A}((${infer B}`
    ? A extends `${infer A1}))${infer A2}`
      ? Walk<`${A2}((${B}`, A1 extends `${string}\\` ? D : Pop<D>, [...N, 0]>
      : Walk<B, A extends `${string}\\` ? D : [...D, 0], [...N, 0]>
    : S extends `${infer A}))${infer B}`
      ? Walk<B, A extends `${string}\\` ? D : Pop<D>, [...N, 0]>
      : D;

/** Whether a trimmed tag body is a plausible name path (the runtime checks it fully). */
type IsPath<P extends string> = P extends '' | `${string}${WhiteSpace | '{' | '}' | '(' | ')' | '\\'}${string}`
  ? false
  : true;

type Nest<P extends string> = P extends `${infer Head}.${infer Tail}`
  ? Head extends `${number}`
    ? unknown
    : { [K in Head]: Nest<Tail> }
  : P extends `${number}`
    ? unknown
    : { [K in P]: unknown };

type Entry<P extends string, Optional extends boolean> = P extends `${infer Root}.${infer Tail}`
  ? Optional extends true
    ? { [K in Root]?: Nest<Tail> }
    : { [K in Root]: Nest<Tail> }
  : Optional extends true
    ? { [K in P]?: unknown }
    : { [K in P]: unknown };

type RootOf<P extends string> = P extends `${infer Root}.${string}` ? Root : P;

type Parse<S extends string, D extends unknown[], Acc, N extends unknown[]> = N['length'] extends MaxVariables
  ? Loose
  : S extends `${infer Head}{{${infer Body}}}${infer Rest}`
    ? Walk<Head, D, []> extends infer Depth
      ? Depth extends unknown[]
        ? Head extends `${string}\\`
          ? Parse<Rest, Depth, Acc, [...N, 0]>
          : Trim<Body> extends infer P extends string
            ? IsPath<P> extends true
              ? Parse<
                  Rest,
                  Depth,
                  Acc & Entry<P, Depth extends [] ? (RootOf<P> extends Builtin ? true : false) : true>,
                  [...N, 0]
                >
              : Parse<Rest, Depth, Acc, [...N, 0]>
            : never
        : Loose
      : never
    : Acc;

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/**
 * The params type inferred from a template literal type `T` (see the comment at the top of
 * this file); `Record<string, unknown>` when `T` is `string` or too long to read.
 */
export type TemplateParams<T extends string> = string extends T
  ? Loose
  : Parse<T, [], unknown, []> extends infer R
    ? unknown extends R
      ? Loose
      : Flatten<R>
    : Loose;
