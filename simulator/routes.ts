// The v1beta1 route table and path matching.
import { conversationRoutes } from './routes-conversations';
import { responseRoutes } from './routes-responses';
import type { Route } from './route-types';

export const API_PREFIX = '/rest/v1beta1';
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
}

/** Matches a full request path (with the /rest/v1beta1 prefix); undefined means 404. */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  if (!pathname.startsWith(`${API_PREFIX}/`)) return undefined;
  const path = pathname.slice(API_PREFIX.length);
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
    return { route, params };
  }
  return undefined;
}
