/**
 * Which generation of the Conversations API a client speaks: `beta` (`/rest/v1beta1`, the default) or `v1`
 * (`/assistant/v1`). Chosen by MOVEWORKS_API, or detected from the base URL's path when MOVEWORKS_API is not set.
 * The paths below the base URL are the same in both; v1 adds `input.callback_id`, message `actions`, the
 * `CALLBACK_ACTION_CONTENT` content type and `x-trace-id` (docs/moveworks-api.md).
 */
export const API_FLAVOURS = ['beta', 'v1'] as const;
export type ApiFlavour = (typeof API_FLAVOURS)[number];

/** The path each API's published base URL ends with. */
export const API_BASE_PATHS: Readonly<Record<ApiFlavour, string>> = Object.freeze({
  beta: '/rest/v1beta1',
  v1: '/assistant/v1',
});

/** The base URL used when MOVEWORKS_BASE_URL is not set. */
export const DEFAULT_BASE_URLS: Readonly<Record<ApiFlavour, string>> = Object.freeze({
  beta: `https://api.moveworks.ai${API_BASE_PATHS.beta}`,
  v1: `https://api.moveworks.ai${API_BASE_PATHS.v1}`,
});

/** A bad MOVEWORKS_API value, or one that contradicts the base URL; the message names the variable. */
export class ApiFlavourError extends TypeError {
  static {
    this.prototype.name = 'ApiFlavourError';
  }
}

/**
 * The prefix of a still newer Conversations API, seen in Moveworks' demo application, with other request shapes
 * (`{ input: { chat: { text } } }`): sending it beta or v1 bodies would fail on every call, so it is refused.
 */
const UNSUPPORTED_BASE_PATH = '/rest/v1';

function basePath(baseUrl: string | undefined): string | undefined {
  if (!baseUrl) return undefined;
  try {
    return new URL(baseUrl).pathname.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

/** The API a base URL's path names, if it ends with one of the published base paths. */
export function apiFlavourOfUrl(baseUrl: string | undefined): ApiFlavour | undefined {
  const path = basePath(baseUrl);
  return path === undefined ? undefined : API_FLAVOURS.find((api) => path.endsWith(API_BASE_PATHS[api]));
}

/**
 * The API to speak: `value` (MOVEWORKS_API: `beta` or `v1`, any case, blank = not set) when given, else the one the
 * base URL's path names, else `beta`. Throws ApiFlavourError on another value, or when `value` contradicts a base URL
 * that ends with the other API's published path (e.g. MOVEWORKS_API=v1 with …/rest/v1beta1), and on a base URL ending
 * with /rest/v1 (another API again): a silent mismatch would send the wrong request shapes.
 */
export function apiFlavourFrom(value: string | undefined, baseUrl?: string): ApiFlavour {
  if (basePath(baseUrl)?.endsWith(UNSUPPORTED_BASE_PATH)) {
    throw new ApiFlavourError(
      `MOVEWORKS_BASE_URL ends with ${UNSUPPORTED_BASE_PATH}, a newer Conversations API mwbatch does not support ` +
        `(other request shapes); use your tenant's ${API_BASE_PATHS.v1} or ${API_BASE_PATHS.beta} base URL`,
    );
  }
  const fromUrl = apiFlavourOfUrl(baseUrl);
  const given = value?.trim().toLowerCase();
  if (!given) return fromUrl ?? 'beta';
  if (!(API_FLAVOURS as readonly string[]).includes(given)) {
    throw new ApiFlavourError(`MOVEWORKS_API must be beta or v1, got ${JSON.stringify(value)}`);
  }
  const api = given as ApiFlavour;
  if (fromUrl !== undefined && fromUrl !== api) {
    throw new ApiFlavourError(
      `MOVEWORKS_API is ${api} but MOVEWORKS_BASE_URL ends with ${API_BASE_PATHS[fromUrl]} (the ${fromUrl} API); ` +
        `use a base URL ending with ${API_BASE_PATHS[api]}, or leave MOVEWORKS_API unset`,
    );
  }
  return api;
}

/** MOVEWORKS_API and MOVEWORKS_BASE_URL together: the API, and the base URL (its default when not given). */
export function resolveApi(
  value: string | undefined,
  baseUrl: string | undefined,
): { api: ApiFlavour; baseUrl: string } {
  const api = apiFlavourFrom(value, baseUrl);
  return { api, baseUrl: baseUrl || DEFAULT_BASE_URLS[api] };
}
