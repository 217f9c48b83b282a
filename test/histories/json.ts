// History ⇄ JSON. The SDK's historyToJSON/historyFromJSON (@temporalio/common/lib/proto-utils) are
// used when they work; in this install they do not: @temporalio/common and @temporalio/proto each
// have their own copy of protobufjs 8 (the top level holds protobufjs 7 for @grpc/proto-loader), so
// common's protojson refuses proto's message types (`type must be a Type`). The fallback does the
// same conversion with the protojson of the protobufjs copy that @temporalio/proto uses.
import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import * as protoUtils from '@temporalio/common/lib/proto-utils.js';
import * as protoModule from '@temporalio/proto';

interface ProtoJson {
  toJson(type: unknown, message: unknown, options?: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: unknown): unknown;
}

const proto = protoModule.default ?? protoModule;

function protoJson(): { protojson: ProtoJson; historyType: unknown } {
  const require = createRequire(import.meta.url);
  const requireFromProto = createRequire(require.resolve('@temporalio/proto'));
  const protojson = requireFromProto('protobufjs/ext/protojson') as ProtoJson;
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot(root: unknown): { lookupType(name: string): unknown };
  };
  const root = patchProtobufRoot(require('@temporalio/proto'));
  return { protojson, historyType: root.lookupType('temporal.api.history.v1.History') };
}

export function historyToJSON(history: History): string {
  try {
    return protoUtils.historyToJSON(history);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const { protojson, historyType } = protoJson();
    const message = proto.temporal.api.history.v1.History.fromObject(history);
    return JSON.stringify(protojson.toJson(historyType, message), null, 2);
  }
}

export function historyFromJSON(json: unknown): History {
  try {
    return protoUtils.historyFromJSON(json);
  } catch (error) {
    if (!(error instanceof TypeError) || !/must be a Type/.test(error.message)) throw error;
    const { protojson, historyType } = protoJson();
    const loaded = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
    if (!loaded) throw new TypeError('Invalid history', { cause: error });
    return loaded as History;
  }
}
