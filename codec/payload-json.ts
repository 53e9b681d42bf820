/** Payloads in their proto3 JSON form (bytes as base64), as the remote codec protocol carries them. */
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ProtoPayload = temporal.api.common.v1.Payload;

/** `{ "payloads": [ { "metadata": { "encoding": "<base64>" }, "data": "<base64>" } ] }` */
export const payloadsBodySchema = z.object({
  payloads: z.array(
    z.looseObject({
      metadata: z.record(z.string(), z.string()).optional(),
      data: z.string().optional(),
    }),
  ),
});

export type PayloadJson = z.output<typeof payloadsBodySchema>['payloads'][number];

/** Throws on bytes that are not base64. */
export function payloadFromJson(json: PayloadJson): Payload {
  return ProtoPayload.fromObject(json);
}

export function payloadToJson(payload: Payload): PayloadJson {
  return ProtoPayload.toObject(ProtoPayload.fromObject(payload), { bytes: String }) as PayloadJson;
}
