// The route table and path matching. Both API generations are served at once, each under its base path: beta
// under /rest/v1beta1 and v1 under /assistant/v1, with the same routes below them.
import type { ApiFlavour } from './config';
import { conversationRoutes } from './routes-conversations';
import { responseRoutes } from './routes-responses';
import type { Route } from './route-types';

/** The base path of each API, as Moveworks publishes it. */
export const API_PREFIXES: Readonly<Record<ApiFlavour, string>> = Object.freeze({
  beta: '/rest/v1beta1',
  v1: '/assistant/v1',
});
/** The beta base path (the default `baseUrl`). */
export const API_PREFIX = API_PREFIXES.beta;
export const TOKEN_PATH = '/oauth/v1/token';

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  keys: string[];
}

function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  const source = route.template.replace(/\{(\w+)\}/g, (_, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}/?$`), keys };
}

// Literal segments win: `/responses/stream` is listed before `/responses/{response_id}`.
const compiled = [...conversationRoutes, ...responseRoutes].map(compile);

export const apiRoutes: readonly Route[] = compiled.map((c) => c.route);

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
  api: ApiFlavour;
}

/** The API whose base path `pathname` is under, if any. */
export function apiOfPath(pathname: string): ApiFlavour | undefined {
  return (Object.keys(API_PREFIXES) as ApiFlavour[]).find((api) => pathname.startsWith(`${API_PREFIXES[api]}/`));
}

/** Matches a full request path (with an API's base path); undefined means 404. */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  const api = apiOfPath(pathname);
  if (api === undefined) return undefined;
  const path = pathname.slice(API_PREFIXES[api].length);
  for (const { route, pattern, keys } of compiled) {
    if (route.method !== method) continue;
    const m = pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    try {
      keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1] ?? '')));
    } catch {
      return undefined;
    }
    return { route, params, api };
  }
  return undefined;
}
