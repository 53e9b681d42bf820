/**
 * Workflow histories to and from Temporal's JSON history format (the one `temporal workflow show --output json`
 * writes), for the replay recorder and test.
 *
 * Why not the SDK's own historyToJSON / historyFromJSON (@temporalio/common/lib/proto-utils): in this install
 * @temporalio/common and @temporalio/proto each carry their own copy of protobufjs 8 (npm cannot hoist it past the
 * protobufjs 7 that @grpc/proto-loader needs), so the SDK's functions check the history type against the wrong
 * copy and throw "type must be a Type". Taking protobufjs's JSON codec from the copy @temporalio/proto uses works
 * whether the copies are merged or not. Worker.runReplayHistory calls historyFromJSON itself when handed JSON, so
 * the replay test hands it the decoded history instead.
 */
import { createRequire } from 'node:module';
import type { temporal } from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
}

// Loaded with require, as the SDK does: the protobuf root is a CommonJS module object, not an ES namespace.
const load = createRequire(__filename);
const proto = load('@temporalio/proto') as { temporal: typeof temporal };
const protoJson = createRequire(load.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
// The generated module's types omit the reflection API the JSON codec needs (the SDK casts the same way).
const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown };
const historyType = root.lookupType('temporal.api.history.v1.History');

export function historyToJson(history: History): string {
  const message = proto.temporal.api.history.v1.History.fromObject(history);
  return `${JSON.stringify(protoJson.toJson(historyType, message), null, 2)}\n`;
}

export function historyFromJson(json: string): History {
  // A newer server or SDK may add fields: they cannot matter to the commands our workflow code issues.
  const history = protoJson.fromJson(historyType, JSON.parse(json), { ignoreUnknownFields: true });
  if (!history?.events?.length) throw new Error('not a workflow history: no events');
  return history;
}
