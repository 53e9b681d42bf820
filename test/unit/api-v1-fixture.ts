/** The Moveworks client pointed at a simulator's beta or v1 base URL, and waiting for a response to settle. */
import { MoveworksClient, StaticTokenAuth, type AssistantResponse, type MoveworksClientOptions } from '../../moveworks';
import type { Simulator } from '../../simulator';
import { waitFor } from '../helpers/wait';

/** A client of `sim`'s `api` (both are served at once), with any other option given. */
export function clientFor(
  sim: Simulator,
  api: 'beta' | 'v1',
  extra: Partial<MoveworksClientOptions> = {},
): MoveworksClient {
  return new MoveworksClient({
    baseUrl: sim.baseUrls[api],
    assistantName: sim.config.assistantName,
    auth: new StaticTokenAuth(sim.config.token),
    ...extra,
  });
}

/** Polls the response until its status is not CREATED or IN_PROGRESS, and returns it. */
export async function settled(client: MoveworksClient, cid: string, rid: string): Promise<AssistantResponse> {
  return waitFor(`response ${rid} to settle`, async () => {
    const response = await client.getResponse(cid, rid);
    return response.status !== 'CREATED' && response.status !== 'IN_PROGRESS' ? response : undefined;
  });
}
