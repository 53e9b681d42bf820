/**
 * Contract test: the simulator's real HTTP answers (success and error bodies, and every SSE event) must match the
 * schemas the published OpenAPI document declares for that path, method and status, and every operation in the
 * document must be served. The document is read as published; the few conversions ajv needs are in toJsonSchema.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readServerSentEvents } from '../../moveworks';
import { apiRoutes, type Simulator } from '../../simulator';
import { apiHeaders, manualClock, simulatorApi, useSimulator, type Json } from '../helpers/simulator';

/** The contract tests of one API: `flavour`'s base path, against its published document. */
function contractSuite(flavour: 'beta' | 'v1', specFile: string, envVariable: string): void {
  // The published document, kept in the repository (test/contract/README.md); the variable checks another copy.
  const specPath = process.env[envVariable] ?? resolve(__dirname, '../contract', specFile);
  const spec = parse(readFileSync(specPath, 'utf8')) as Json;
  const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

  function resolveLocalRef(ref: string): Json {
    return ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((node: Json, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')] as Json, spec);
  }

  /**
   * OpenAPI → JSON Schema for ajv:
   * - `nullable: true` (OpenAPI 3.0) becomes a union with null;
   * - a discriminator's tag property given as `$ref` to an enum is inlined (ajv needs const/enum in place);
   * - `oneOf` without a discriminator becomes `anyOf`: the document's ResponseStreamData lists four structurally
   *   identical payloads (CREATED/IN_PROGRESS/COMPLETED/FAILED differ only in prose), so no event could match exactly
   *   one of them. Each SSE payload is additionally validated against the schema named for its event.
   */
  function toJsonSchema(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(toJsonSchema);
    if (typeof node !== 'object' || node === null) return node;
    const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, toJsonSchema(v)]));
    if (out.nullable === true) {
      delete out.nullable;
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
      if (out.$ref) return { anyOf: [{ $ref: out.$ref }, { type: 'null' }] };
    }
    if (out.discriminator && Array.isArray(out.oneOf)) {
      const tag = (out.discriminator as Json).propertyName as string;
      out.oneOf = (out.oneOf as Json[]).map((branch) => {
        const tagSchema = branch.properties?.[tag] as Json | undefined;
        if (!tagSchema?.$ref) return branch;
        return {
          ...branch,
          properties: { ...branch.properties, [tag]: { ...(toJsonSchema(resolveLocalRef(tagSchema.$ref)) as Json) } },
        };
      });
    } else if (Array.isArray(out.oneOf)) {
      out.anyOf = out.oneOf;
      delete out.oneOf;
    }
    return out;
  }

  const is31 = String(spec.openapi).startsWith('3.1');
  const ajv = is31
    ? new Ajv2020({ strict: false, allErrors: true, discriminator: true })
    : new Ajv({ strict: false, allErrors: true, discriminator: true });
  addFormats(ajv);
  ajv.addSchema({ ...(toJsonSchema(spec) as Json), $id: 'openapi.json' });
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();

  function validate(pointer: string, value: unknown, label: string): void {
    let v = validators.get(pointer);
    if (!v) validators.set(pointer, (v = ajv.compile({ $ref: `openapi.json#${pointer}` })));
    const ok = v(value);
    expect(ok, `${label}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 600)}`).toBe(true);
  }

  const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  const operationPointer = (path: string, method: string) => `/paths/${esc(path)}/${method}`;

  // ---- the simulator and a few fixtures -------------------------------------------------------------------------

  const clock = manualClock();
  // The tests build on one another (the conversation and response made below): no reset between them.
  const sim = useSimulator({ clock, seed: 5, api: flavour }, { reset: 'never' });
  // The request identifier header: v1 names it x-trace-id.
  const traceHeader = flavour === 'v1' ? 'x-trace-id' : 'x-moveworks-root-uuid';
  const api = simulatorApi(sim);
  let cid = '';
  let rid = '';
  let mid = '';
  let callbackId = '';
  const exercised = new Map<string, Set<string>>(); // "METHOD /path" -> statuses validated

  beforeAll(async () => {
    cid = await api.newConversation('contract');
    rid = (await api.ask(cid, 'contract question')).response_id;
    clock.advance(1000);
    const response = await api.getResponse(cid, rid);
    mid = response.outputs[1].message.message_id;
    callbackId = response.outputs[1].message.feedback.helpful.callback_id;
  });

  interface Operation {
    path: string;
    method: (typeof METHODS)[number];
    url: () => string;
    unknownUrl?: () => string;
    body?: () => unknown;
    accept?: string;
    badRequest?: { url?: () => string; body?: unknown; accept?: string };
  }

  const unknownConv = 'conv_000000000000000000000';
  const unknownResp = 'resp_000000000000000000000';
  const operations: Operation[] = [
    {
      path: '/conversations',
      method: 'get',
      url: () => '/conversations',
      badRequest: { url: () => '/conversations?cursor=bogus' },
    },
    {
      path: '/conversations',
      method: 'post',
      url: () => '/conversations',
      body: () => ({ title: 'new' }),
      badRequest: { body: { title: 'x'.repeat(257) } },
    },
    {
      path: '/conversations/{conversation_id}',
      method: 'get',
      url: () => `/conversations/${cid}`,
      unknownUrl: () => `/conversations/${unknownConv}`,
    },
    {
      path: '/conversations/{conversation_id}',
      method: 'patch',
      url: () => `/conversations/${cid}`,
      unknownUrl: () => `/conversations/${unknownConv}`,
      body: () => ({ title: 'renamed' }),
      badRequest: { body: { title: 'y'.repeat(300) } },
    },
    {
      path: '/conversations/{conversation_id}/events',
      method: 'get',
      url: () => `/conversations/${cid}/events`,
      unknownUrl: () => `/conversations/${unknownConv}/events`,
    },
    {
      path: '/conversations/{conversation_id}/responses',
      method: 'post',
      url: () => `/conversations/${cid}/responses`,
      unknownUrl: () => `/conversations/${unknownConv}/responses`,
      body: () => ({ input: { text: 'another question' } }),
      badRequest: { body: { input: {} } },
    },
    {
      path: '/conversations/{conversation_id}/responses/stream',
      method: 'post',
      url: () => `/conversations/${cid}/responses/stream`,
      unknownUrl: () => `/conversations/${unknownConv}/responses/stream`,
      body: () => ({ input: { text: 'streamed question' } }),
      accept: 'text/event-stream',
      badRequest: { body: { input: { text: '' } }, accept: 'text/event-stream' },
    },
    {
      path: '/conversations/{conversation_id}/responses/{response_id}',
      method: 'get',
      url: () => `/conversations/${cid}/responses/${rid}`,
      unknownUrl: () => `/conversations/${cid}/responses/${unknownResp}`,
    },
    {
      path: '/conversations/{conversation_id}/messages',
      method: 'get',
      url: () => `/conversations/${cid}/messages?limit=2`,
      unknownUrl: () => `/conversations/${unknownConv}/messages`,
      badRequest: { url: () => `/conversations/${cid}/messages?cursor=bogus` },
    },
    {
      path: '/conversations/{conversation_id}/responses/{response_id}/messages',
      method: 'get',
      url: () => `/conversations/${cid}/responses/${rid}/messages`,
      unknownUrl: () => `/conversations/${cid}/responses/${unknownResp}/messages`,
    },
    {
      path: '/conversations/{conversation_id}/responses/{response_id}/messages/{message_id}/feedback',
      method: 'post',
      url: () => `/conversations/${cid}/responses/${rid}/messages/${mid}/feedback`,
      unknownUrl: () => `/conversations/${cid}/responses/${rid}/messages/msg_000000000000000000000/feedback`,
      body: () => ({ callback_id: callbackId, additional_feedback: 'useful' }),
      badRequest: { body: { callback_id: 'not-this-message' } },
    },
  ];

  // ---- sending a request and validating what comes back ---------------------------------------------------------

  async function send(
    op: Operation,
    opts: { url?: string; body?: unknown; headers?: Record<string, string>; accept?: string } = {},
  ) {
    return api.call(opts.url ?? op.url(), {
      method: op.method.toUpperCase(),
      body: opts.body !== undefined ? opts.body : op.body?.(),
      headers: opts.headers,
      accept: opts.accept ?? op.accept,
    });
  }

  async function checkResponse(op: Operation, res: Response): Promise<void> {
    const label = `${op.method.toUpperCase()} ${op.path} → ${res.status}`;
    const declared = spec.paths[op.path][op.method].responses[String(res.status)] as Json | undefined;
    expect(declared, `${label} is not declared in the OpenAPI document`).toBeDefined();
    expect(res.headers.get(traceHeader), label).toBeTruthy();
    const [mediaType] = Object.keys(declared!.content as Json);
    expect(res.headers.get('content-type'), label).toBe(mediaType);
    const pointer = `${operationPointer(op.path, op.method)}/responses/${res.status}/content/${esc(mediaType!)}/schema`;
    if (mediaType === 'text/event-stream') await checkStream(res, pointer, label);
    else validate(pointer, await res.json(), label);
    const key = `${op.method.toUpperCase()} ${op.path}`;
    exercised.set(key, (exercised.get(key) ?? new Set()).add(String(res.status)));
  }

  const eventSchemas: Record<string, string> = {
    RESPONSE_CREATED: 'ResponseCreatedData',
    RESPONSE_IN_PROGRESS: 'ResponseInProgressData',
    RESPONSE_OUTPUT_DELTA: 'ResponseOutputDeltaData',
    RESPONSE_COMPLETED: 'ResponseCompletedData',
    RESPONSE_FAILED: 'ResponseFailedData',
    ERROR: 'StreamingErrorData',
  };

  async function checkStream(res: Response, pointer: string, label: string): Promise<string[]> {
    const names: string[] = [];
    for await (const item of readServerSentEvents(res.body!)) {
      clock.advance(400);
      const data = JSON.parse(item.data) as Json;
      names.push(item.event);
      validate(pointer, { event: item.event, data }, `${label} ${item.event}`);
      expect(eventSchemas[item.event], `${label}: event ${item.event} is not in StreamEventType`).toBeDefined();
      validate(`/components/schemas/${eventSchemas[item.event]}`, data, `${label} ${item.event} data`);
    }
    return names;
  }

  /** Repeats a request under a fault knob until the wanted status shows up (the knob picks 500 or 503). */
  async function sendUntil(
    op: Operation,
    status: number,
    patch: Parameters<Simulator['configure']>[0],
  ): Promise<Response> {
    sim.configure(patch);
    try {
      for (let i = 0; i < 40; i++) {
        const res = await send(op);
        if (res.status === status) return res;
        await res.arrayBuffer();
      }
      throw new Error(`never saw ${status}`);
    } finally {
      sim.configure({ rate429: 0, rate5xx: 0 });
    }
  }

  // ---- the tests ------------------------------------------------------------------------------------------------

  describe(`OpenAPI contract (${flavour}: ${specFile})`, () => {
    it('serves every operation of the document, and nothing the document lacks', async () => {
      const documented = Object.entries(spec.paths as Json).flatMap(([path, item]) =>
        METHODS.filter((m) => (item as Json)[m]).map((m) => `${m.toUpperCase()} ${path}`),
      );
      const served = apiRoutes.map((r) => `${r.method} ${r.template}`);
      expect([...served].sort()).toEqual([...documented].sort());
      for (const key of documented) {
        const op = operations.find((o) => `${o.method.toUpperCase()} ${o.path}` === key);
        expect(op, `${key} has no contract case`).toBeDefined();
        const res = await send(op!);
        expect(res.status, key).not.toBe(404);
        expect(res.status, key).toBeLessThan(300);
        await checkResponse(op!, res);
      }
    });

    it('validates request bodies the cases send against the documented request schemas', () => {
      for (const op of operations.filter((o) => o.body)) {
        const requestBody = spec.paths[op.path][op.method].requestBody as Json | undefined;
        if (!requestBody) continue;
        validate(
          `${operationPointer(op.path, op.method)}/requestBody/content/application~1json/schema`,
          op.body!(),
          `${op.path} request`,
        );
      }
    });

    it('matches the Response schema in every status, and the stream events in every ending', async () => {
      const get = operations.find((o) => o.path === '/conversations/{conversation_id}/responses/{response_id}')!;
      const create = operations.find((o) => o.path === '/conversations/{conversation_id}/responses')!;
      for (const text of ['plain', 'broken [sim:fail]']) {
        const created = await send(create, { body: { input: { text } } });
        const id = ((await created.clone().json()) as Json).response_id as string;
        await checkResponse(create, created);
        for (const step of [0, 300, 700]) {
          clock.advance(step);
          await checkResponse(get, await send(get, { url: `/conversations/${cid}/responses/${id}` }));
        }
      }
      const stream = operations.find((o) => o.path.endsWith('/responses/stream'))!;
      const endings: string[] = [];
      for (const text of ['streamed ok', 'streamed fail [sim:fail]', 'streamed error [sim:stream-error]']) {
        const res = await send(stream, { body: { input: { text } } });
        const pointer = `${operationPointer(stream.path, 'post')}/responses/200/content/text~1event-stream/schema`;
        endings.push((await checkStream(res, pointer, text)).at(-1)!);
      }
      expect(endings).toEqual(['RESPONSE_COMPLETED', 'RESPONSE_FAILED', 'ERROR']);
      const events = operations.find((o) => o.path.endsWith('/events'))!;
      await checkResponse(events, await send(events, { url: '/conversations/-/events?limit=1' }));
    });

    it('answers every documented error status with the documented error body', async () => {
      for (const op of operations) {
        const declared = Object.keys(spec.paths[op.path][op.method].responses as Json);
        const wrongAssistant = { ...apiHeaders(sim.config), 'assistant-name': 'someone-else' };
        const { authorization: _omit, ...noAuth } = apiHeaders(sim.config);
        for (const status of declared) {
          if (Number(status) < 400) continue;
          let res: Response;
          if (status === '400')
            res = await send(op, {
              url: op.badRequest?.url?.(),
              body: op.badRequest?.body,
              accept: op.badRequest?.accept,
            });
          else if (status === '401') res = await send(op, { headers: noAuth });
          else if (status === '403') res = await send(op, { headers: wrongAssistant });
          else if (status === '404') res = await send(op, { url: op.unknownUrl?.() });
          else if (status === '429') res = await sendUntil(op, 429, { rate429: 1 });
          else if (status === '500') res = await sendUntil(op, 500, { rate5xx: 1 });
          else throw new Error(`no way to provoke ${status} for ${op.path}`);
          expect(res.status, `${op.method} ${op.path} expected ${status}`).toBe(Number(status));
          await checkResponse(op, res);
        }
      }
      for (const op of operations) {
        const key = `${op.method.toUpperCase()} ${op.path}`;
        expect([...(exercised.get(key) ?? [])].sort(), key).toEqual(
          Object.keys(spec.paths[op.path][op.method].responses as Json).sort(),
        );
      }
    });

    if (flavour === 'v1') {
      it('offers actions, and a button press (input.callback_id) and its messages match the document', async () => {
        const find = (path: string, method: string) => operations.find((o) => o.path === path && o.method === method)!;
        const create = find('/conversations/{conversation_id}/responses', 'post');
        const get = find('/conversations/{conversation_id}/responses/{response_id}', 'get');
        const responseMessages = find('/conversations/{conversation_id}/responses/{response_id}/messages', 'get');
        const messages = find('/conversations/{conversation_id}/messages', 'get');
        const answered = await api.getResponse(cid, rid);
        const actions = answered.outputs[1].message.actions as Json[];
        expect(actions.map((a) => a.type)).toEqual(['CALLBACK_ACTION', 'URL_ACTION']);
        const body = { input: { callback_id: actions[0]!.callback_action.callback_id as string } };
        validate(
          `${operationPointer(create.path, 'post')}/requestBody/content/application~1json/schema`,
          body,
          'callback_id request',
        );
        const res = await send(create, { body });
        expect(res.status).toBe(202);
        const pressed = (await res.clone().json()) as Json;
        await checkResponse(create, res);
        clock.advance(1000);
        await checkResponse(get, await send(get, { url: `/conversations/${cid}/responses/${pressed.response_id}` }));
        const listed = await send(responseMessages, {
          url: `/conversations/${cid}/responses/${pressed.response_id}/messages`,
        });
        const user = ((await listed.clone().json()) as Json).messages[0] as Json;
        expect(user.content).toEqual({ type: 'CALLBACK_ACTION_CONTENT', callback_action: body.input });
        await checkResponse(responseMessages, listed);
        await checkResponse(messages, await send(messages, { url: `/conversations/${cid}/messages?limit=100` }));
      });
    }
  });
}

contractSuite('beta', 'beta-conversations-api.yaml', 'MOVEWORKS_OPENAPI');
contractSuite('v1', 'conversations-api-v1.yaml', 'MOVEWORKS_OPENAPI_V1');
