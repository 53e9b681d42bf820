/**
 * The worker's and the gateway's log lines as a person or a log pipeline reads them: JSON objects (time, level,
 * msg, the question's identity from the workflow id) or text lines; lines below MWBATCH_LOG_LEVEL dropped; secrets
 * and bearer tokens replaced whatever the caller put in; the format chosen from the surroundings (JSON in a
 * container, text on a terminal) unless MWBATCH_LOG_FORMAT says; bad settings named with exit code 2.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors';
import { createLogger, secretValues } from '../../observability/logger';
import { loadLogSettings, loadObservabilitySettings } from '../../observability/settings';

const NOW = () => new Date('2026-01-02T03:04:05.678Z');

function capture(options: Partial<Parameters<typeof createLogger>[0]> = {}) {
  const lines: string[] = [];
  const logger = createLogger({ format: 'json', level: 'info', now: NOW, write: (l) => lines.push(l), ...options });
  return { logger, lines };
}

describe('JSON lines', () => {
  it('carry time, level, msg, and the question identity an activity or workflow context gives', () => {
    const { logger, lines } = capture();
    logger.info('reusing the response an earlier attempt created', {
      workflowId: 'batch-1/c-conv-7',
      workflowRunId: 'run-uuid',
      activityType: 'submitTurn',
      taskToken: 'opaque-capability',
      responseId: 'resp_1',
    });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-01-02T03:04:05.678Z',
      level: 'info',
      msg: 'reusing the response an earlier attempt created',
      workflowId: 'batch-1/c-conv-7',
      batchId: 'batch-1',
      conversationKey: 'c-conv-7',
      runId: 'run-uuid',
      activityType: 'submitTurn',
      responseId: 'resp_1',
    });
  });

  it('keep one line per entry, errors as name and message, and escape what a terminal would act on', () => {
    const { logger, lines } = capture();
    logger.error('failed\nbadly \u009b31m', { error: new TypeError('boom'), n: 10n });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\n\u009b]/);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'failed\nbadly \u009b31m',
      error: { name: 'TypeError', message: 'boom' },
      n: '10',
    });
  });

  it('drop what is below the level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.info('quiet');
    logger.debug('quieter');
    logger.warn('heard');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['heard']);
  });
});

describe('secrets', () => {
  it('are replaced in the message and in every field, as are bearer tokens', () => {
    const env = {
      MOVEWORKS_CLIENT_SECRET: 'very-secret-value',
      TEAM_WEBHOOK: 'https://hooks.example/abc123',
      HOME: '/root',
    };
    const { logger, lines } = capture({ secrets: secretValues(env) });
    logger.warn('token call failed with very-secret-value', {
      header: 'Bearer mwt_abc.def',
      nested: { url: 'https://hooks.example/abc123?x=1' },
    });
    expect(lines[0]).not.toContain('very-secret-value');
    expect(lines[0]).not.toContain('mwt_abc');
    expect(lines[0]).not.toContain('hooks.example/abc123');
    expect(JSON.parse(lines[0]!).header).toBe('Bearer [redacted]');
  });

  it('are read from the variables that hold them, not from those naming a file', () => {
    expect(
      secretValues({
        MOVEWORKS_TOKEN: 'token-value-1',
        MWBATCH_ENCRYPTION_KEY_FILE: '/run/secrets/key',
        TEMPORAL_API_KEY: 'api-key-value',
        TEMPORAL_ADDRESS: 'temporal:7233',
      }),
    ).toEqual(['token-value-1', 'api-key-value']);
  });
});

describe('text lines', () => {
  it('read as time, level, message, then key=value', () => {
    const { logger, lines } = capture({ format: 'text' });
    logger.info('mwbatch worker polling q', { workflowId: 'b/c', attempt: 2 });
    expect(lines).toEqual([
      '2026-01-02T03:04:05.678Z INFO  mwbatch worker polling q workflowId=b/c batchId=b conversationKey=c attempt=2',
    ]);
  });
});

describe('log settings', () => {
  it('default to JSON in a container and text on a terminal or outside one', () => {
    expect(loadLogSettings({}, { inContainer: true, isTty: false })).toEqual({ format: 'json', level: 'info' });
    expect(loadLogSettings({}, { inContainer: true, isTty: true }).format).toBe('text');
    expect(loadLogSettings({}, { inContainer: false, isTty: false }).format).toBe('text');
    expect(
      loadLogSettings({ MWBATCH_LOG_FORMAT: 'json', MWBATCH_LOG_LEVEL: 'DEBUG' }, { inContainer: false, isTty: true }),
    ).toEqual({ format: 'json', level: 'debug' });
  });

  it('name the bad variable (ConfigError, exit 2)', () => {
    const surroundings = { inContainer: false, isTty: false };
    expect(() => loadLogSettings({ MWBATCH_LOG_LEVEL: 'loud' }, surroundings)).toThrow(ConfigError);
    expect(() => loadLogSettings({ MWBATCH_LOG_FORMAT: 'xml' }, surroundings)).toThrow(
      /MWBATCH_LOG_FORMAT: must be json or text/,
    );
    expect(() => loadObservabilitySettings({ MWBATCH_METRICS_ADDR: '9464' }, surroundings)).toThrow(
      /MWBATCH_METRICS_ADDR: must be host:port/,
    );
    expect(loadObservabilitySettings({ MWBATCH_METRICS_ADDR: ':9464' }, surroundings).metrics).toEqual({
      host: '0.0.0.0',
      port: 9464,
    });
  });
});
