/**
 * The Moveworks token and client secret must not cross a network in clear text: an `http://` API base URL or token
 * URL is refused (exit 2, naming the variable and the way out) unless it points at this machine (loopback, as the
 * local simulator does) or MWBATCH_ALLOW_INSECURE_HTTP says the network is trusted: 1 for any host, or the host
 * names (docker compose's `simulator`).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors';
import { loadMoveworksSettings } from '../../config/moveworks';
import { runCli } from '../helpers/cli';

const token = { MOVEWORKS_ASSISTANT_NAME: 'assistant', MOVEWORKS_TOKEN: 'mw-s3cret-token' };
const clientCredentials = {
  MOVEWORKS_ASSISTANT_NAME: 'assistant',
  MOVEWORKS_CLIENT_ID: 'client-id',
  MOVEWORKS_CLIENT_SECRET: 'client-s3cret',
};

function refusal(env: NodeJS.ProcessEnv): ConfigError {
  let caught: unknown;
  try {
    loadMoveworksSettings(env);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect(error.exitCode).toBe(2);
  expect(error.message).toContain('MWBATCH_ALLOW_INSECURE_HTTP=1');
  for (const secret of ['mw-s3cret-token', 'client-s3cret']) expect(error.message).not.toContain(secret);
  return error;
}

describe('plain-HTTP Moveworks URLs', () => {
  it('refuses an http:// API base URL on another machine, naming MOVEWORKS_BASE_URL', () => {
    for (const url of [
      'http://api.moveworks.ai/rest/v1beta1',
      'http://10.0.0.5:4010/rest/v1beta1',
      'http://simulator:4010/rest/v1beta1',
      'http://[2001:db8::1]/rest/v1beta1',
      'http://localhost.example.com/rest/v1beta1',
    ]) {
      expect(refusal({ ...token, MOVEWORKS_BASE_URL: url }).message, url).toMatch(/MOVEWORKS_BASE_URL: .*https/);
    }
  });

  it('refuses an http:// token URL on another machine, naming MOVEWORKS_TOKEN_URL', () => {
    // A URL that is not one at all is reported as such (zod runs this check on the other fields anyway).
    expect(() => loadMoveworksSettings({ ...token, MOVEWORKS_BASE_URL: 'not a url' })).toThrow(ConfigError);
    const message = refusal({
      ...clientCredentials,
      MOVEWORKS_TOKEN_URL: 'http://auth.example.com/oauth/v1/token',
    }).message;
    expect(message).toMatch(/MOVEWORKS_TOKEN_URL: .*https/);
    expect(message).not.toContain('MOVEWORKS_BASE_URL');
  });

  it('accepts http:// on loopback, https:// anywhere, and http:// elsewhere with MWBATCH_ALLOW_INSECURE_HTTP=1', () => {
    for (const host of ['127.0.0.1:4010', '127.1.2.3', 'localhost:4010', '[::1]:4010']) {
      const url = `http://${host}/rest/v1beta1`;
      expect(loadMoveworksSettings({ ...token, MOVEWORKS_BASE_URL: url }).baseUrl, url).toBe(url);
    }
    expect(loadMoveworksSettings(clientCredentials).baseUrl).toMatch(/^https:/);
    const plain = {
      ...clientCredentials,
      MOVEWORKS_BASE_URL: 'http://simulator:4010/rest/v1beta1',
      MOVEWORKS_TOKEN_URL: 'http://simulator:4010/oauth/v1/token',
    };
    for (const yes of ['1', 'true']) {
      expect(loadMoveworksSettings({ ...plain, MWBATCH_ALLOW_INSECURE_HTTP: yes }).baseUrl).toBe(
        plain.MOVEWORKS_BASE_URL,
      );
    }
    for (const no of ['0', 'false']) refusal({ ...plain, MWBATCH_ALLOW_INSECURE_HTTP: no });
    expect(() => loadMoveworksSettings({ ...plain, MWBATCH_ALLOW_INSECURE_HTTP: 'any host please' })).toThrow(
      /MWBATCH_ALLOW_INSECURE_HTTP: must be 1 \(any host\), 0, or host names separated by commas/,
    );
  });

  it('lets MWBATCH_ALLOW_INSECURE_HTTP name the hosts plain http:// may reach, and only those', () => {
    const env = { ...token, MWBATCH_ALLOW_INSECURE_HTTP: 'simulator, sim2.internal' };
    for (const host of ['simulator:4010', 'SIM2.internal']) {
      const url = `http://${host}/rest/v1beta1`;
      expect(loadMoveworksSettings({ ...env, MOVEWORKS_BASE_URL: url }).baseUrl, url).toBe(url);
    }
    const other = refusal({ ...env, MOVEWORKS_BASE_URL: 'http://api.moveworks.ai/rest/v1beta1' });
    expect(other.message).toContain('MOVEWORKS_BASE_URL');
  });

  it('stops `mwbatch worker` with exit 2 before it connects anywhere', async () => {
    const run = await runCli(['worker'], { ...token, MOVEWORKS_BASE_URL: 'http://api.example.com/rest/v1beta1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MOVEWORKS_BASE_URL');
    expect(run.stderr).toContain('MWBATCH_ALLOW_INSECURE_HTTP=1');
    expect(run.stderr).not.toContain('mw-s3cret-token');
  });
});
