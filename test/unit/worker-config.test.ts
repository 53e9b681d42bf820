/**
 * The worker's own settings (worker/config.ts) and its heap settings (worker/heap.ts): defaults, overrides, and a
 * clear ConfigError naming each bad variable. The heap test starts a thread the way the SDK starts its workflow
 * thread (`new Worker(file)`, no resourceLimits) and reads that thread's heap limit.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors';
import { DEFAULT_MAX_CACHED_WORKFLOWS, loadWorkerSettings } from '../../worker/config';
import { applyHeapSettings, DEFAULT_HEAP_SETTINGS } from '../../worker/heap';

const base = { MOVEWORKS_ASSISTANT_NAME: 'assistant', MOVEWORKS_TOKEN: 'token' };
const load = (env: Record<string, string> = {}) => loadWorkerSettings({ ...base, ...env });

function configError(env: Record<string, string>): string {
  let caught: unknown;
  try {
    load(env);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  expect((caught as ConfigError).exitCode).toBe(2);
  return (caught as ConfigError).message;
}

describe('loadWorkerSettings', () => {
  it('defaults to a bounded workflow cache and bounded heaps', () => {
    const settings = load();
    expect(settings.maxConcurrentActivities).toBe(2000);
    expect(settings.maxCachedWorkflows).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(DEFAULT_MAX_CACHED_WORKFLOWS).toBe(250);
    expect(settings.heap).toEqual(DEFAULT_HEAP_SETTINGS);
    expect(DEFAULT_HEAP_SETTINGS).toEqual({ heapGrowingPercent: 30, workflowHeapMb: 256 });
  });

  it('treats empty variables as unset (docker-compose passes ${VAR:-})', () => {
    const settings = load({
      MWBATCH_MAX_CACHED_WORKFLOWS: '',
      MWBATCH_HEAP_GROWING_PERCENT: '',
      MWBATCH_WORKFLOW_HEAP_MB: '',
    });
    expect(settings.maxCachedWorkflows).toBe(250);
    expect(settings.heap).toEqual(DEFAULT_HEAP_SETTINGS);
  });

  it('takes overrides, and 0 to leave V8 its own heap growth and limit', () => {
    const settings = load({
      MWBATCH_MAX_CACHED_WORKFLOWS: '1000',
      MWBATCH_HEAP_GROWING_PERCENT: '0',
      MWBATCH_WORKFLOW_HEAP_MB: '0',
    });
    expect(settings.maxCachedWorkflows).toBe(1000);
    expect(settings.heap).toEqual({ heapGrowingPercent: 0, workflowHeapMb: 0 });
    expect(load({ MWBATCH_HEAP_GROWING_PERCENT: '50', MWBATCH_WORKFLOW_HEAP_MB: '512' }).heap).toEqual({
      heapGrowingPercent: 50,
      workflowHeapMb: 512,
    });
  });

  it.each([
    ['MWBATCH_MAX_CACHED_WORKFLOWS', '0', 'must be > 0'],
    ['MWBATCH_MAX_CACHED_WORKFLOWS', 'many', 'must be a number'],
    ['MWBATCH_HEAP_GROWING_PERCENT', '-5', 'between 1 and 300'],
    ['MWBATCH_HEAP_GROWING_PERCENT', '301', 'between 1 and 300'],
    ['MWBATCH_HEAP_GROWING_PERCENT', '12.5', 'must be a whole number'],
    ['MWBATCH_HEAP_GROWING_PERCENT', '30%', 'must be a number'],
    ['MWBATCH_WORKFLOW_HEAP_MB', '32', 'between 64 and 16384'],
    ['MWBATCH_WORKFLOW_HEAP_MB', '256MB', 'must be a number'],
  ])('rejects %s=%s, naming the variable', (name, value, problem) => {
    const message = configError({ [name]: value });
    expect(message).toContain(`${name}: `);
    expect(message).toContain(problem);
  });

  it('reports every bad variable at once', () => {
    const message = configError({ MWBATCH_HEAP_GROWING_PERCENT: 'x', MWBATCH_WORKFLOW_HEAP_MB: '1' });
    expect(message).toContain('MWBATCH_HEAP_GROWING_PERCENT');
    expect(message).toContain('MWBATCH_WORKFLOW_HEAP_MB');
  });
});

describe('MOVEWORKS_API', () => {
  it('picks the API and its published base URL; detects it from the base URL when unset', () => {
    expect(load().moveworks).toMatchObject({ api: 'beta', baseUrl: 'https://api.moveworks.ai/rest/v1beta1' });
    expect(load({ MOVEWORKS_API: 'v1' }).moveworks).toMatchObject({
      api: 'v1',
      baseUrl: 'https://api.moveworks.ai/assistant/v1',
    });
    const detected = load({ MOVEWORKS_BASE_URL: 'https://example.moveworks.ai/assistant/v1' }).moveworks;
    expect(detected.api).toBe('v1');
  });

  it('refuses an unknown value, and one that contradicts the base URL, naming the variable (exit 2)', () => {
    expect(configError({ MOVEWORKS_API: 'v2' })).toContain('MOVEWORKS_API: must be beta or v1');
    expect(configError({ MOVEWORKS_API: 'v1', MOVEWORKS_BASE_URL: 'https://api.moveworks.ai/rest/v1beta1' })).toMatch(
      /MOVEWORKS_API: .*\/rest\/v1beta1/,
    );
  });
});

describe('applyHeapSettings', () => {
  // The flags are process-wide: put V8's defaults (0) back for whatever runs next in this process.
  afterEach(() => {
    setFlagsFromString('--max-old-space-size=0');
    setFlagsFromString('--max-semi-space-size=0');
    setFlagsFromString('--heap-growing-percent=0');
  });

  /** heap_size_limit of a thread started as the SDK starts its workflow thread, MB. */
  async function threadHeapLimitMb(): Promise<number> {
    const thread = new Worker(
      "require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)",
      { eval: true },
    );
    try {
      const limit = await new Promise<number>((resolve, reject) => {
        thread.once('message', resolve).once('error', reject);
      });
      return limit / 2 ** 20;
    } finally {
      await thread.terminate();
    }
  }

  it('bounds the heap of threads started afterwards, not the main thread', async () => {
    const mainBefore = getHeapStatistics().heap_size_limit;
    applyHeapSettings({ heapGrowingPercent: 30, workflowHeapMb: 128 });
    const limit = await threadHeapLimitMb();
    // The old space as asked, plus a young generation of 1 MB semi-spaces (3 MB in all). Left to V8 the young
    // generation adds 48 MB or more, and the worker with 1,000 conversations open held ~30 MB more (bench/COMPARE.md).
    expect(limit).toBeGreaterThanOrEqual(128);
    expect(limit).toBeLessThanOrEqual(128 + 4);
    expect(getHeapStatistics().heap_size_limit).toBe(mainBefore);
  });

  it('leaves the thread heap to V8 with 0', async () => {
    const v8Default = await threadHeapLimitMb();
    applyHeapSettings({ heapGrowingPercent: 0, workflowHeapMb: 0 });
    expect(await threadHeapLimitMb()).toBe(v8Default);
  });
});
