/**
 * Finds the `temporal` CLI, or builds the pinned version with Go into a user-level cache outside the repo.
 * Order: $TEMPORAL_CLI, then `temporal` on PATH, then the cache, then `go install` into the cache.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export class TemporalCliMissingError extends Error {
  override name = 'TemporalCliMissingError';
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `$MWBATCH_CACHE_DIR`, else `$XDG_CACHE_HOME/mwbatch`, else `~/.cache/mwbatch`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MWBATCH_CACHE_DIR) return env.MWBATCH_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mwbatch');
}

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** `go` on the PATH, else the official tarball's /usr/local/go/bin/go. */
export function findGo(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** The CLI if one is already there; never builds. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) {
      throw new TemporalCliMissingError(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    }
    return env.TEMPORAL_CLI;
  }
  const cached = cachedCliPath(env);
  return onPath('temporal', env) ?? (isExecutable(cached) ? cached : undefined);
}

/** Find the CLI, or build it with `go install` (a few minutes the first time; cached afterwards). */
export function ensureTemporalCli(env: NodeJS.ProcessEnv = process.env, log = console.error): string {
  const found = findTemporalCli(env);
  if (found) return found;
  const go = findGo(env);
  if (!go) {
    throw new TemporalCliMissingError(
      'The Temporal CLI was not found and Go is not installed to build it.\n' +
        `Install it (https://docs.temporal.io/cli#install), put it on PATH or set TEMPORAL_CLI=/path/to/temporal, ` +
        `or install Go >= 1.25 and run again to build ${GO_PACKAGE}.`,
    );
  }
  const target = cachedCliPath(env);
  const binDir = join(target, '..');
  mkdirSync(binDir, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${binDir} (first time only; takes minutes)...`);
  const started = Date.now();
  const result = spawnSync(go, ['install', GO_PACKAGE], {
    env: { ...env, GOBIN: binDir, GOFLAGS: env.GOFLAGS ?? '-trimpath' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 || !isExecutable(target)) {
    throw new TemporalCliMissingError(
      `go install ${GO_PACKAGE} failed (exit ${result.status ?? result.signal}); see the output above`,
    );
  }
  log(`Built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}
