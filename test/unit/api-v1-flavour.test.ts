/**
 * Both Conversations APIs from one client: MOVEWORKS_API (or the base URL) picks beta or v1, the v1 simulator
 * answers with ULID identifiers, actions and x-trace-id, and a button an answer offers can be pressed by sending its
 * callback_id as the next turn (v1 only: on beta the client refuses before sending anything).
 */
import { describe, expect, it } from 'vitest';
import {
  apiFlavourFrom,
  BadRequestError,
  contentCallbackId,
  DEFAULT_BASE_URLS,
  extractAnswer,
  NotFoundError,
  resolveApi,
} from '../../moveworks';
import { actionQuestion, expectedAnswer } from '../../simulator';
import { useSimulator } from '../helpers/simulator';
import { clientFor, settled as completed } from './api-v1-fixture';

const sim = useSimulator({ answerDelayMs: 60, inProgressAfterMs: 10 });

describe('apiFlavourFrom (MOVEWORKS_API, else the base URL)', () => {
  it('takes MOVEWORKS_API when set, in any case, and detects the API from the base URL otherwise', () => {
    expect(apiFlavourFrom('v1', 'https://proxy.example/mw')).toBe('v1');
    expect(apiFlavourFrom(' BETA ', undefined)).toBe('beta');
    expect(apiFlavourFrom(undefined, 'https://api.moveworks.ai/assistant/v1/')).toBe('v1');
    expect(apiFlavourFrom('', 'https://api.uk.moveworks.com/rest/v1beta1')).toBe('beta');
    expect(apiFlavourFrom(undefined, 'https://proxy.example/mw')).toBe('beta');
  });

  it('refuses another value, and a value that contradicts the base URL, naming the variables', () => {
    expect(() => apiFlavourFrom('v2', undefined)).toThrow('MOVEWORKS_API must be beta or v1, got "v2"');
    expect(() => apiFlavourFrom('v1', 'https://api.moveworks.ai/rest/v1beta1')).toThrow(
      'MOVEWORKS_API is v1 but MOVEWORKS_BASE_URL ends with /rest/v1beta1',
    );
  });

  it('refuses the newest /rest/v1 prefix, whose request shapes mwbatch does not speak, whatever MOVEWORKS_API says', () => {
    for (const value of [undefined, 'beta', 'v1']) {
      expect(() => apiFlavourFrom(value, 'https://api.eu.moveworks.ai/rest/v1/')).toThrow(
        'MOVEWORKS_BASE_URL ends with /rest/v1, a newer Conversations API mwbatch does not support',
      );
    }
  });

  it('gives the default base URL of the chosen API when MOVEWORKS_BASE_URL is not set', () => {
    expect(resolveApi('v1', undefined)).toEqual({ api: 'v1', baseUrl: 'https://api.moveworks.ai/assistant/v1' });
    expect(resolveApi(undefined, undefined)).toEqual({ api: 'beta', baseUrl: DEFAULT_BASE_URLS.beta });
  });

  it('a client detects its API from the simulator base URL it is given', () => {
    expect(clientFor(sim, 'v1').api).toBe('v1');
    expect(clientFor(sim, 'beta').api).toBe('beta');
  });
});

describe('the v1 API against the simulator', () => {
  it('creates conversations and responses with conv_/resp_ ULIDs and answers under /assistant/v1', async () => {
    const client = clientFor(sim, 'v1');
    const conversation = await client.createConversation({ title: 'v1' });
    expect(conversation.conversation_id).toMatch(/^conv_[0-9A-HJKMNP-TV-Z]{26}$/);
    const created = await client.createResponse(conversation.conversation_id, { text: 'What is PTO?' });
    expect(created.response_id).toMatch(/^resp_[0-9A-HJKMNP-TV-Z]{26}$/);
    const answer = extractAnswer(await completed(client, conversation.conversation_id, created.response_id));
    expect(answer.text).toBe(expectedAnswer('What is PTO?'));
    expect(sim.requests().map((r) => r.path)).toContain(
      `/assistant/v1/conversations/${conversation.conversation_id}/responses`,
    );
    // The beta API keeps its base-62 identifiers.
    const beta = await clientFor(sim, 'beta').createConversation({ title: 'beta' });
    expect(beta.conversation_id).toMatch(/^conv_[0-9A-Za-z]{21}$/);
  });

  it('exposes the actions of an answer, and pressing the button (input.callback_id) asks the next turn', async () => {
    const client = clientFor(sim, 'v1');
    const { conversation_id: cid } = await client.createConversation({ title: 'actions' });
    const first = await client.createResponse(cid, { text: 'How do I reset my password?' });
    const answer = extractAnswer(await completed(client, cid, first.response_id));
    const button = answer.actions.find((a) => a.type === 'CALLBACK_ACTION');
    const link = answer.actions.find((a) => a.type === 'URL_ACTION');
    expect(button).toMatchObject({ label: 'Tell me more', messageId: answer.messageIds[0] });
    expect(button?.callbackId).toBeTruthy();
    expect(link?.url).toMatch(/^https:\/\/kb\.simulator\.example\//);

    const pressed = await client.createResponse(cid, { callbackId: button!.callbackId! });
    expect(sim.requests().at(-1)?.body).toEqual({ input: { callback_id: button!.callbackId } });
    const next = extractAnswer(await completed(client, cid, pressed.response_id));
    expect(next.text).toBe(expectedAnswer(actionQuestion('Tell me more', 'How do I reset my password?')));
    // The user message of a button press is CALLBACK_ACTION_CONTENT carrying the callback ID.
    const messages = await client.listResponseMessages(cid, pressed.response_id);
    const user = messages.find((m) => m.actor === 'USER');
    expect(user?.content.type).toBe('CALLBACK_ACTION_CONTENT');
    expect(contentCallbackId(user?.content)).toBe(button!.callbackId);
    expect(sim.stats().responsesCreated[cid]).toBe(2);
  });

  it('a callback_id the conversation never offered is a 400, and nothing is stored', async () => {
    const client = clientFor(sim, 'v1');
    const { conversation_id: cid } = await client.createConversation({ title: 'bad press' });
    const err = await client.createResponse(cid, { callbackId: 'never-offered' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    expect(sim.stats().responsesCreated[cid] ?? 0).toBe(0);
  });

  it('on beta, a callback input is refused before any request, naming MOVEWORKS_API', async () => {
    const client = clientFor(sim, 'beta');
    const { conversation_id: cid } = await client.createConversation({ title: 'beta press' });
    const before = sim.requests().length;
    for (const call of [
      () => client.createResponse(cid, { callbackId: 'abc' }),
      () => client.createResponseStream(cid, { callbackId: 'abc' }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect(err).toMatchObject({ code: 'UNSUPPORTED_INPUT' });
      expect((err as Error).message).toContain('MOVEWORKS_API=v1');
    }
    expect(sim.requests().length).toBe(before);
  });

  it('reads x-trace-id (v1) as the root uuid of an error, as it reads x-moveworks-root-uuid on beta', async () => {
    for (const api of ['v1', 'beta'] as const) {
      const err = await clientFor(sim, api)
        .getConversation('conv_00000000000000000000000000')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).rootUuid, api).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
      expect((err as Error).message, api).toContain((err as NotFoundError).rootUuid);
    }
  });

  it('streams on v1 too: the final response carries the actions', async () => {
    const client = clientFor(sim, 'v1');
    const { conversation_id: cid } = await client.createConversation({ title: 'v1 stream' });
    const stream = await client.createResponseStream(cid, { text: 'streamed on v1' });
    const answer = extractAnswer(await stream.finalResponse());
    expect(answer.text).toBe(expectedAnswer('streamed on v1'));
    expect(answer.actions.map((a) => a.type)).toEqual(['CALLBACK_ACTION', 'URL_ACTION']);
  });
});
