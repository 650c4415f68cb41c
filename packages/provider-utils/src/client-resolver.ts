import { AuthenticationError } from '@dk/spec';

/** Settings of a {@link ClientResolver}. */
export interface ClientResolverOptions<Client> {
  /** Provider id, for errors. */
  readonly provider: string;
  /** The key given in settings, if any; wins over the environment. */
  readonly apiKey?: string | undefined;
  /** Where the environment variable is read (at call time). Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The environment variable holding the key, e.g. `OPENAI_API_KEY`. */
  readonly environmentVariable: string;
  /** Whether a missing key is allowed (e.g. a local server that needs none). Default `false`. */
  readonly keyOptional?: boolean;
  /** The message of the `AuthenticationError` when the key is missing (say how to fix it). */
  readonly missingKeyMessage: string;
  /** Creates the vendor client for a key (`undefined` only when the key is optional). */
  readonly create: (apiKey: string | undefined) => Client;
}

/**
 * The vendor client of a provider, created on first use for the API key in effect at call time
 * (settings, else the environment read then: nothing is read at import or construction), and
 * created again when that key changes. Also knows every key it has used, for redaction.
 */
export class ClientResolver<Client> {
  readonly #options: ClientResolverOptions<Client>;
  #client: Client | undefined;
  #apiKey: string | undefined;
  readonly #secrets = new Set<string>();

  constructor(options: ClientResolverOptions<Client>) {
    this.#options = options;
  }

  /**
   * The client for the current key.
   *
   * @throws AuthenticationError when the key is missing and not optional.
   */
  resolve(): Client {
    const options = this.#options;
    const environment = options.env ?? globalThis.process?.env ?? {};
    const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(environment[options.environmentVariable]);
    if (apiKey === undefined && options.keyOptional !== true) {
      throw new AuthenticationError({ provider: options.provider, message: options.missingKeyMessage });
    }
    if (this.#client !== undefined && this.#apiKey === apiKey) return this.#client;
    if (apiKey !== undefined) this.#secrets.add(apiKey);
    this.#client = options.create(apiKey);
    this.#apiKey = apiKey;
    return this.#client;
  }

  /** Every API key this resolver has used: what errors must never show. */
  get secrets(): ReadonlySet<string> {
    return this.#secrets;
  }

  /** Drops the client (on `close()`); the next `resolve()` creates a new one. */
  clear(): void {
    this.#client = undefined;
    this.#apiKey = undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
