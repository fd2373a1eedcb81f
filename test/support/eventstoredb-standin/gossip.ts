// TEST STAND-IN, NOT an EventStoreDB cluster: three (or n) stand-in nodes on one shared log, each answering the gossip
// service (EventStore.Client.Gossip) the client asks when its connection string names several hosts, and each refusing
// client calls the way a node in its state does (from the server's ClusterVNodeController and RpcExceptions, 23.10):
//   - a follower serves reads and plain writes (the server forwards those to the leader), but answers NotLeader
//     (NOT_FOUND, trailer `exception: not-leader` with the leader's host and port) to persistent-subscription calls and
//     to calls sent with `requires-leader: true`; with no leader known it answers NotReady instead;
//   - a node that is not ready (starting, or looking for a leader) answers UNAVAILABLE "Server Is Not Ready";
//   - a leader that loses its place drops the members of its persistent subscription groups (CANCELLED, trailer
//     `exception: persistent-subscription-dropped`).
// The client picks the leader from gossip; a discovery that finds no node in an allowed state (or no node at all)
// fails with a plain Error("Failed to discover after N attempts.").
import { randomUUID } from 'node:crypto';
import { GossipService } from '@eventstore/db-client/generated/gossip_grpc_pb';
import { ClusterInfo, EndPoint, MemberInfo } from '@eventstore/db-client/generated/gossip_pb';
import { type Empty, UUID } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import { type ClusterRole, type EventStoreDbStandIn, startEventStoreDbStandIn } from '.';
import { StandInLog } from './log';
import { PERSISTENT_SERVICE } from './persistent';

export type NodeState = 'leader' | 'follower' | 'notReady';

/** What a node needs to know of the cluster: its own state, and where the leader is. */
export interface ClusterView {
  stateOf(node: number): NodeState;
  leader(): { host: string; port: number } | null;
  members(): MemberInfo[];
}

export interface EventStoreDbClusterStandIn {
  /** `esdb://127.0.0.1:<p1>,127.0.0.1:<p2>,127.0.0.1:<p3>?tls=false&…`: the client discovers the leader by gossip. */
  readonly connectionString: string;
  readonly ports: readonly number[];
  readonly log: StandInLog;
  /** Makes `node` the leader and every other node a follower; the old leader drops its group members. */
  elect(node: number): void;
  /** Sets one node's state; a leader leaving its place drops its group members. */
  setState(node: number, state: NodeState): void;
  stop(): Promise<void>;
}

/** Short discovery knobs, so a cluster that cannot be found fails in well under a second instead of ten tries. */
export const DISCOVERY = { discoveryInterval: 30, maxDiscoverAttempts: 3, gossipTimeout: 1 } as const;

/** `ports` fixes where the nodes listen (e.g. to start a cluster on ports a client already tries); default: any free. */
export async function startEventStoreDbCluster(
  options: { nodes?: number; ports?: readonly number[]; log?: StandInLog } = {},
): Promise<EventStoreDbClusterStandIn> {
  const count = options.ports?.length ?? options.nodes ?? 3;
  const log = options.log ?? new StandInLog();
  const states: NodeState[] = Array.from({ length: count }, (_, i) => (i === 0 ? 'leader' : 'follower'));
  const ids = states.map(() => randomUUID());
  const nodes: EventStoreDbStandIn[] = [];
  const view: ClusterView = {
    stateOf: (node) => states[node] as NodeState,
    leader: () => {
      const index = states.indexOf('leader');
      return index < 0 ? null : { host: '127.0.0.1', port: (nodes[index] as EventStoreDbStandIn).port };
    },
    members: () => nodes.map((node, i) => memberInfo(ids[i] as string, node.port, states[i] as NodeState)),
  };
  for (let i = 0; i < count; i++) {
    const role: ClusterRole = {
      serve: (server) => addGossip(server, view),
      refusal: (path, metadata) => refusal(view, i, path, metadata),
      dropped: groupDropped,
    };
    nodes.push(await startEventStoreDbStandIn({ log, port: options.ports?.[i] ?? 0, cluster: role }));
  }

  function setState(node: number, state: NodeState): void {
    const was = states[node];
    states[node] = state;
    if (was === 'leader' && state !== 'leader') nodes[node]?.dropGroupMembers();
  }

  const hosts = nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  const knobs = Object.entries(DISCOVERY)
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  return {
    connectionString: `esdb://${hosts}?tls=false&${knobs}`,
    ports: nodes.map((node) => node.port),
    log,
    elect(leader) {
      for (let i = 0; i < count; i++) if (i !== leader) setState(i, 'follower');
      setState(leader, 'leader');
    },
    setState,
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

/** Adds the gossip service to one node: every node answers with the whole cluster as it stands. */
export function addGossip(server: grpc.Server, view: ClusterView): void {
  server.addService(GossipService, {
    read: (_call: grpc.ServerUnaryCall<Empty, ClusterInfo>, callback: grpc.sendUnaryData<ClusterInfo>) => {
      const info = new ClusterInfo();
      info.setMembersList(view.members());
      callback(null, info);
    },
  });
}

/**
 * The refusal a node in its state gives a call, or null to serve it. `path` is the gRPC method path
 * (`/service/Method`). BatchAppend answers inside its own responses on a real node and is left to its handler.
 */
export function refusal(
  view: ClusterView,
  node: number,
  path: string,
  metadata: grpc.Metadata,
): grpc.ServiceError | null {
  const [, service = ''] = path.split('/');
  if (!service.startsWith('event_store.client.streams') && service !== PERSISTENT_SERVICE) return null;
  const state = view.stateOf(node);
  switch (state) {
    case 'leader':
      return null;
    case 'notReady':
      return notReady();
    case 'follower': {
      const needsLeader = service === PERSISTENT_SERVICE || metadata.get('requires-leader')[0] === 'true';
      if (!needsLeader) return null;
      const leader = view.leader();
      return leader ? notLeader(leader) : notReady();
    }
    default: {
      const unknown: never = state;
      throw new Error(`unknown node state ${String(unknown)}`);
    }
  }
}

/** What a leader losing its place sends each member of its groups (RpcExceptions.PersistentSubscriptionDropped). */
export function groupDropped(group: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'persistent-subscription-dropped');
  metadata.set('stream-name', '$all');
  metadata.set('group-name', group);
  return serviceError(grpc.status.CANCELLED, `Subscription group ${group} on stream $all was dropped.`, metadata);
}

function notReady(): grpc.ServiceError {
  return serviceError(grpc.status.UNAVAILABLE, 'Server Is Not Ready', new grpc.Metadata());
}

function notLeader(leader: { host: string; port: number }): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'not-leader');
  metadata.set('leader-endpoint-host', leader.host);
  metadata.set('leader-endpoint-port', String(leader.port));
  return serviceError(grpc.status.NOT_FOUND, 'Leader info available', metadata);
}

function serviceError(code: grpc.status, details: string, metadata: grpc.Metadata): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata });
}

function memberInfo(id: string, port: number, state: NodeState): MemberInfo {
  const member = new MemberInfo();
  const uuid = new UUID();
  uuid.setString(id);
  member.setInstanceId(uuid);
  member.setTimeStamp(String(Date.now() * 10_000));
  member.setIsAlive(true);
  // A node that is not ready is still looking for its leader: a state the client never picks.
  member.setState(
    state === 'leader'
      ? MemberInfo.VNodeState.LEADER
      : state === 'follower'
        ? MemberInfo.VNodeState.FOLLOWER
        : MemberInfo.VNodeState.DISCOVERLEADER,
  );
  const endpoint = new EndPoint();
  endpoint.setAddress('127.0.0.1');
  endpoint.setPort(port);
  member.setHttpEndPoint(endpoint);
  return member;
}
