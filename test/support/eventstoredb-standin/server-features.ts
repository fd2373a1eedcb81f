// TEST STAND-IN, NOT an EventStoreDB server: the server-features service, which the client asks once per channel to pick
// its code paths (BatchAppend for appends, persistent subscriptions to $all). Answered as a 24.10 node answers it.
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import type { Empty } from '@eventstore/db-client/generated/shared_pb';
import type * as grpc from '@grpc/grpc-js';
import { PERSISTENT_SERVICE } from './persistent';

/** What a 24.10 node reports: its version's first three parts. The client reads no behaviour from it. */
export const STAND_IN_SERVER_VERSION = '24.10.6';

export interface AdvertisedMethod {
  readonly service: string;
  readonly method: string;
  readonly features: readonly string[];
}

const STREAMS = 'event_store.client.streams.Streams';

/**
 * Only what the stand-in implements, with the server's feature names (ServerFeatures.cs): the client matches paths
 * case-insensitively, and the server sends them lower-cased.
 */
export const ADVERTISED: readonly AdvertisedMethod[] = [
  { service: STREAMS, method: 'Read', features: ['position', 'events'] },
  { service: STREAMS, method: 'Append', features: [] },
  { service: STREAMS, method: 'BatchAppend', features: ['deadline_duration'] },
  { service: PERSISTENT_SERVICE, method: 'Create', features: ['stream', 'all'] },
  { service: PERSISTENT_SERVICE, method: 'Read', features: ['stream', 'all'] },
  { service: PERSISTENT_SERVICE, method: 'Delete', features: ['stream', 'all'] },
];

/**
 * Not added (the stand-in's `serverFeatures: false`), the service answers UNIMPLEMENTED as a server older than 21.10
 * does: the client then appends through the unary Append and refuses persistent subscriptions to $all.
 */
export function addServerFeatures(server: grpc.Server, methods: readonly AdvertisedMethod[] = ADVERTISED): void {
  server.addService(ServerFeaturesService, {
    getSupportedMethods: (
      _call: grpc.ServerUnaryCall<Empty, SupportedMethods>,
      callback: grpc.sendUnaryData<SupportedMethods>,
    ) => {
      const answer = new SupportedMethods();
      answer.setEventStoreServerVersion(STAND_IN_SERVER_VERSION);
      answer.setMethodsList(
        methods.map((m) => {
          const method = new SupportedMethod();
          method.setServiceName(m.service.toLowerCase());
          method.setMethodName(m.method.toLowerCase());
          method.setFeaturesList([...m.features]);
          return method;
        }),
      );
      callback(null, answer);
    },
  });
}
