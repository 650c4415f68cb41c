/** A named benchmark suite; `run` prints its own table. */
export interface BenchSuite {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export const suites: BenchSuite[] = [];

import { runTemplatesBench } from './templates-bench.js';
suites.push({ name: 'templates', run: runTemplatesBench });

import { runProvidersBench } from './providers-bench.js';
suites.push({ name: 'providers', run: runProvidersBench });

import { runPromptsBench } from './prompts-bench.js';
suites.push({ name: 'prompts', run: runPromptsBench });

import { runConversationsBench } from './conversations-bench.js';
suites.push({ name: 'conversations', run: runConversationsBench });

import { runStorageBench } from './storage-bench.js';
suites.push({ name: 'storage', run: runStorageBench });

import { runRetrievalBench } from './retrieval-bench.js';
suites.push({ name: 'retrieval', run: runRetrievalBench });

import { runSearchBench } from './search-bench.js';
suites.push({ name: 'search', run: runSearchBench });

import { runToolsBench } from './tools-bench.js';
suites.push({ name: 'tools', run: runToolsBench });

import { runRedisBench } from './redis-bench.js';
suites.push({ name: 'redis', run: runRedisBench });

import { runFleetBench } from './fleet-bench.js';
suites.push({ name: 'fleet', run: runFleetBench });

import { runSizingBench } from './sizing-bench.js';
suites.push({ name: 'sizing', run: runSizingBench });
import { runOtelBench } from './otel-bench.js';
suites.push({ name: 'otel', run: runOtelBench });

import { runPeersBench } from './peers-bench.js';
suites.push({ name: 'peers', run: runPeersBench });
