import type { DkErrorFields } from '@dk/spec';
import { McpToolsError } from './mcp-tools-error.js';

/** A setting of `connectMcpTools` has a value it cannot use (the option names are checked with `InvalidOptionsError`). */
export class McpSettingsError extends McpToolsError {
  static override readonly errorName: string = 'McpSettingsError';

  /** The setting, e.g. `prefix` or `needsApproval`. */
  readonly setting: string;
  /** Why the value was refused. */
  readonly reason: string;

  constructor({
    setting,
    reason,
    hint,
    server,
  }: {
    readonly setting: string;
    readonly reason: string;
    readonly hint?: string;
    readonly server?: string;
  }) {
    super({
      message: `connectMcpTools: \`${setting}\` ${reason}.${hint === undefined ? '' : ` ${hint}`}`,
      code: 'MCP_INVALID_SETTINGS',
      ...(server === undefined ? {} : { server }),
    });
    this.setting = setting;
    this.reason = reason;
  }

  override get fields(): DkErrorFields {
    return { ...super.fields, setting: this.setting, reason: this.reason };
  }
}
