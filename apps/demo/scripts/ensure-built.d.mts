/** The server bundle `pnpm demo` runs. */
export declare const serverEntry: string;
/** True when dist/ is missing or older than the demo's or a package's sources. */
export declare function isStale(): boolean;
/** Builds the demo when it is stale (or `force`); true when it built. */
export declare function ensureBuilt(options?: { force?: boolean; quiet?: boolean }): Promise<boolean>;
