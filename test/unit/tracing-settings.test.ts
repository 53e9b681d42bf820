/**
 * Where the worker sends its spans and what it says about it: OTEL_EXPORTER_OTLP_ENDPOINT is checked like every
 * other variable (a bad one names the variable), the traces URL is built from it as the OpenTelemetry
 * specification says, and the endpoint is logged without the credentials a URL may carry.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors';
import { loadObservabilitySettings } from '../../observability/settings';
import { tracesUrl, withoutCredentials } from '../../observability/tracing';

const surroundings = { isTty: false, inContainer: false };

describe('tracing settings', () => {
  it('turn tracing on with an http(s) OTEL_EXPORTER_OTLP_ENDPOINT, named by OTEL_SERVICE_NAME', () => {
    expect(loadObservabilitySettings({}, surroundings)).toMatchObject({ otlpEndpoint: undefined });
    expect(
      loadObservabilitySettings(
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'batch-eu' },
        surroundings,
      ),
    ).toMatchObject({ otlpEndpoint: 'http://collector:4318', serviceName: 'batch-eu' });
  });

  it('refuse an endpoint that is not an http(s) URL, naming the variable', () => {
    for (const endpoint of ['collector:4318', 'grpc://collector:4317', 'not a url']) {
      const load = () => loadObservabilitySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, surroundings);
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/);
    }
  });

  it('send spans to <endpoint>/v1/traces, below any path the endpoint has', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otel.example.com/ingest/')).toBe('https://otel.example.com/ingest/v1/traces');
  });

  it('log the endpoint without a user name or password', () => {
    expect(withoutCredentials('http://collector:4318')).toBe('http://collector:4318');
    expect(withoutCredentials('https://user:s3cret@otel.example.com/x')).toBe('https://otel.example.com/x');
  });
});
