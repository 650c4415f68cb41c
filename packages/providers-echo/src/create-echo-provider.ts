import { EchoProvider } from './echo-provider.js';
import type { EchoProviderSettings } from './echo-provider-settings.js';

/** Creates an {@link EchoProvider}; the same as `new EchoProvider(settings)`. */
export function createEchoProvider(settings: EchoProviderSettings = {}): EchoProvider {
  return new EchoProvider(settings);
}
