// TEST STAND-IN, NOT an EventStoreDB server: persistent subscription groups to $all (Create, Delete, Read with
// ack/nack), competing consumers served round robin, retries up to maxRetryCount then parking, as EventStoreDB
// documents them. What a node keeps of a group across a restart is its settings and its last checkpoint, and like
// EventStoreDB the stand-in checkpoints lazily: at a tick every `checkpoint_after` (2 s) once at least
// `min_checkpoint_count` (10) messages were settled since the last one, at once on `max_checkpoint_count` (1,000),
// never on shutdown. So a restarted stand-in hands out again everything after its last checkpoint, settled or not.
// A member that goes away leaves its unsettled messages to the others; a stop drops every member. `hangJoins` is the
// join that never answers (a node loading after a leader change, fixed only in 24.10.14): no confirmation, nothing.

import { randomUUID } from 'node:crypto';
import { PersistentSubscriptionsService } from '@eventstore/db-client/generated/persistent_grpc_pb';
import {
  CreateReq,
  CreateResp,
  DeleteReq,
  DeleteResp,
  ReadReq,
  ReadResp,
} from '@eventstore/db-client/generated/persistent_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import type { StandInLog, StoredEvent } from './log';
import { fillRecordedEvent } from './recorded-event';

export const PERSISTENT_SERVICE = 'event_store.client.persistent_subscriptions.PersistentSubscriptions';

interface Delivery {
  readonly event: StoredEvent;
  /** The event's index in the log: what a checkpoint records. */
  readonly index: number;
  retryCount: number;
}

interface Consumer {
  readonly call: grpc.ServerDuplexStream<ReadReq, ReadResp>;
  readonly capacity: number;
  readonly inFlight: Map<string, { delivery: Delivery; timer: NodeJS.Timeout }>;
}

/** What a node keeps of a group on disk: its settings and its last checkpoint. */
interface StoredGroup {
  readonly name: string;
  readonly matches: (event: StoredEvent) => boolean;
  readonly maxRetryCount: number;
  readonly messageTimeoutMs: number;
  readonly checkpointAfterMs: number;
  readonly minCheckpointCount: number;
  readonly maxCheckpointCount: number;
  /** Index of the log a (re)loaded group hands out from: everything before it was settled. */
  checkpoint: number;
}

/** What a running node holds of a group in memory, lost on a stop. */
interface Group {
  readonly stored: StoredGroup;
  /** Next index of the log not yet handed out. */
  cursor: number;
  readonly retries: Delivery[];
  readonly consumers: Consumer[];
  nextConsumer: number;
  /** Messages settled (acked, parked, skipped) since the last checkpoint. */
  settledSinceCheckpoint: number;
  readonly tick: NodeJS.Timeout;
}

/** Switches a test flips on a running stand-in. */
export interface PersistentControls {
  /** While true, a member's join is never answered: no confirmation, no events, no error. */
  hangJoins: boolean;
  /** The index of the log a group would hand out from after a restart (undefined: no such group). For specs. */
  checkpointOf(group: string): number | undefined;
}

// Groups live with the log, so a restarted stand-in on the same log keeps them, like a node keeps its checkpoints.
const groupsByLog = new WeakMap<StandInLog, Map<string, StoredGroup>>();

function groupsOf(log: StandInLog): Map<string, StoredGroup> {
  let groups = groupsByLog.get(log);
  if (!groups) {
    groups = new Map();
    groupsByLog.set(log, groups);
  }
  return groups;
}

export function addPersistentSubscriptions(
  server: grpc.Server,
  log: StandInLog,
): { readonly controls: PersistentControls; stop(): void } {
  const stored = groupsOf(log);
  /** The groups this node has loaded, each from its stored checkpoint. */
  const live = new Map<string, Group>();
  const controls: PersistentControls = {
    hangJoins: false,
    checkpointOf: (name) => stored.get(name)?.checkpoint,
  };
  const load = (name: string): Group | undefined => {
    const existing = live.get(name);
    if (existing) return existing;
    const definition = stored.get(name);
    if (!definition) return undefined;
    const group: Group = {
      stored: definition,
      cursor: definition.checkpoint,
      retries: [],
      consumers: [],
      nextConsumer: 0,
      settledSinceCheckpoint: 0,
      tick: setInterval(() => {
        if (group.settledSinceCheckpoint >= definition.minCheckpointCount) writeCheckpoint(group);
      }, definition.checkpointAfterMs),
    };
    group.tick.unref();
    live.set(name, group);
    return group;
  };
  const offAppend = log.onAppend(() => {
    for (const group of live.values()) dispatch(log, group);
  });

  server.addService(PersistentSubscriptionsService, {
    create: (call: grpc.ServerUnaryCall<CreateReq, CreateResp>, callback: grpc.sendUnaryData<CreateResp>) => {
      const options = call.request.getOptions();
      const all = options?.getAll();
      if (!options || !all) {
        callback({
          code: grpc.status.UNIMPLEMENTED,
          details: 'The stand-in has persistent subscriptions to $all only',
        });
        return;
      }
      const name = options.getGroupName();
      if (stored.has(name)) {
        callback(failure(grpc.status.ALREADY_EXISTS, 'persistent-subscription-exists', name));
        return;
      }
      const settings = options.getSettings() ?? new CreateReq.Settings();
      const Case = CreateReq.AllOptions.AllOptionCase;
      const start =
        all.getAllOptionCase() === Case.POSITION
          ? log.indexAtOrAfter(BigInt(all.getPosition()?.getCommitPosition() ?? '0'))
          : all.getAllOptionCase() === Case.END
            ? log.events.length
            : 0;
      const Settings = CreateReq.Settings;
      stored.set(name, {
        name,
        matches: filterOf(all),
        maxRetryCount: settings.getMaxRetryCount(),
        messageTimeoutMs:
          settings.getMessageTimeoutCase() === Settings.MessageTimeoutCase.MESSAGE_TIMEOUT_TICKS
            ? Number(BigInt(settings.getMessageTimeoutTicks()) / 10_000n)
            : settings.getMessageTimeoutMs() || 30_000,
        checkpointAfterMs:
          settings.getCheckpointAfterCase() === Settings.CheckpointAfterCase.CHECKPOINT_AFTER_TICKS
            ? Number(BigInt(settings.getCheckpointAfterTicks()) / 10_000n)
            : settings.getCheckpointAfterMs() || 2_000,
        minCheckpointCount: settings.getMinCheckpointCount() || 10,
        maxCheckpointCount: settings.getMaxCheckpointCount() || 1_000,
        checkpoint: start,
      });
      callback(null, new CreateResp());
    },

    delete: (call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>, callback: grpc.sendUnaryData<DeleteResp>) => {
      const options = call.request.getOptions();
      const name = options?.getGroupName() ?? '';
      if (!options?.hasAll() || !stored.has(name)) {
        callback(failure(grpc.status.NOT_FOUND, 'persistent-subscription-does-not-exist', name));
        return;
      }
      stored.delete(name);
      const group = live.get(name);
      live.delete(name);
      if (group) {
        clearInterval(group.tick);
        // EventStoreDB drops the members of a deleted group with NotFound.
        for (const consumer of group.consumers.splice(0)) {
          clearHeld(consumer);
          consumer.call.emit('error', failure(grpc.status.NOT_FOUND, 'persistent-subscription-does-not-exist', name));
        }
      }
      callback(null, new DeleteResp());
    },

    read: (call: grpc.ServerDuplexStream<ReadReq, ReadResp>) => {
      let consumer: Consumer | null = null;
      let group: Group | undefined;
      const leave = () => {
        if (!consumer || !group) return;
        const index = group.consumers.indexOf(consumer);
        if (index >= 0) group.consumers.splice(index, 1);
        // What a consumer held and never acknowledged goes to the others, one retry more.
        for (const { delivery, timer } of consumer.inFlight.values()) {
          clearTimeout(timer);
          retryOrPark(log, group, delivery, 'consumer left');
        }
        consumer.inFlight.clear();
        consumer = null;
        dispatch(log, group);
      };
      call.on('data', (req: ReadReq) => {
        if (req.hasOptions()) {
          // A node still loading its subscriptions takes the join and says nothing, for as long as the call lasts.
          if (controls.hangJoins) return;
          const options = req.getOptions() as ReadReq.Options;
          group = options.hasAll() ? load(options.getGroupName()) : undefined;
          if (!group) {
            call.emit(
              'error',
              failure(grpc.status.NOT_FOUND, 'persistent-subscription-does-not-exist', options.getGroupName()),
            );
            return;
          }
          consumer = { call, capacity: Math.max(1, options.getBufferSize() || 10), inFlight: new Map() };
          group.consumers.push(consumer);
          const confirmation = new ReadResp.SubscriptionConfirmation();
          confirmation.setSubscriptionId(`$all::${group.stored.name}`);
          const resp = new ReadResp();
          resp.setSubscriptionConfirmation(confirmation);
          call.write(resp);
          dispatch(log, group);
          return;
        }
        if (!consumer || !group) return;
        if (req.hasAck()) {
          for (const id of req.getAck()?.getIdsList() ?? []) {
            if (settle(consumer, id.getString())) settled(group);
          }
        } else if (req.hasNack()) {
          const nack = req.getNack() as ReadReq.Nack;
          for (const id of nack.getIdsList()) {
            const delivery = settle(consumer, id.getString());
            if (!delivery) continue;
            switch (nack.getAction()) {
              case ReadReq.Nack.Action.PARK:
                park(log, group, delivery, nack.getReason());
                settled(group);
                break;
              case ReadReq.Nack.Action.RETRY:
                retryOrPark(log, group, delivery, nack.getReason());
                break;
              default:
                // SKIP, STOP and UNKNOWN: the message is done with.
                settled(group);
                break;
            }
          }
        }
        dispatch(log, group);
      });
      call.on('end', () => {
        leave();
        call.end();
      });
      call.on('cancelled', leave);
      call.on('error', leave);
    },
  });

  return {
    controls,
    stop: () => {
      offAppend();
      // Nothing is checkpointed on the way down: a restart hands out again what was settled since the last one.
      for (const group of live.values()) {
        clearInterval(group.tick);
        for (const consumer of group.consumers.splice(0)) {
          clearHeld(consumer);
          consumer.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'Server is shutting down' });
        }
      }
      live.clear();
    },
  };
}

function failure(code: grpc.status, exception: string, groupName: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', exception);
  metadata.set('stream-name', '$all');
  metadata.set('group-name', groupName);
  return Object.assign(new Error(exception), { code, details: exception, metadata });
}

function filterOf(all: CreateReq.AllOptions): (event: StoredEvent) => boolean {
  if (!all.hasFilter()) return () => true;
  const filter = all.getFilter() as CreateReq.AllOptions.FilterOptions;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  const prefixes = expression?.getPrefixList() ?? [];
  const regex = expression?.getRegex() ? new RegExp(expression.getRegex()) : null;
  return (event) => {
    const subject = onStream ? event.streamName : event.type;
    if (prefixes.length > 0 && !prefixes.some((p) => subject.startsWith(p))) return false;
    return !regex || regex.test(subject);
  };
}

function settle(consumer: Consumer, id: string): Delivery | undefined {
  const held = consumer.inFlight.get(id);
  if (!held) return undefined;
  clearTimeout(held.timer);
  consumer.inFlight.delete(id);
  return held.delivery;
}

/** A dropped member's messages die with this node's memory: a restart hands them out again from the checkpoint. */
function clearHeld(consumer: Consumer): void {
  for (const { timer } of consumer.inFlight.values()) clearTimeout(timer);
  consumer.inFlight.clear();
}

/** One more message done with: at `max_checkpoint_count` the checkpoint is written at once, not at the tick. */
function settled(group: Group): void {
  group.settledSinceCheckpoint++;
  if (group.settledSinceCheckpoint >= group.stored.maxCheckpointCount) writeCheckpoint(group);
}

/** The checkpoint is the oldest message not yet settled (held by a member or waiting for a retry), else the cursor. */
function writeCheckpoint(group: Group): void {
  let lowest = group.cursor;
  for (const retry of group.retries) lowest = Math.min(lowest, retry.index);
  for (const consumer of group.consumers) {
    for (const { delivery } of consumer.inFlight.values()) lowest = Math.min(lowest, delivery.index);
  }
  group.stored.checkpoint = lowest;
  group.settledSinceCheckpoint = 0;
}

function retryOrPark(log: StandInLog, group: Group, delivery: Delivery, reason: string): void {
  if (delivery.retryCount >= group.stored.maxRetryCount) {
    park(log, group, delivery, reason);
    settled(group);
  } else group.retries.push({ ...delivery, retryCount: delivery.retryCount + 1 });
}

/** EventStoreDB parks a message as a link in `$persistentsubscription-<stream>::<group>-parked`. */
function park(log: StandInLog, group: Group, delivery: Delivery, reason: string): void {
  const { event } = delivery;
  log.append(`$persistentsubscription-$all::${group.stored.name}-parked`, { kind: 'any' }, [
    {
      id: randomUUID(),
      type: '$>',
      contentType: 'application/octet-stream',
      data: Buffer.from(`${event.revision}@${event.streamName}`),
      customMetadata: Buffer.from(JSON.stringify({ reason, retryCount: delivery.retryCount })),
    },
  ]);
}

/** Hands out retries first, then the log, round robin over the consumers that have room. */
function dispatch(log: StandInLog, group: Group): void {
  for (;;) {
    const consumer = nextConsumerWithRoom(group);
    if (!consumer) return;
    let delivery = group.retries.shift();
    while (!delivery && group.cursor < log.events.length) {
      const index = group.cursor++;
      const event = log.events[index] as StoredEvent;
      if (group.stored.matches(event)) delivery = { event, index, retryCount: 0 };
    }
    if (!delivery) return;
    const held = delivery;
    const timer = setTimeout(() => {
      if (consumer.inFlight.get(held.event.id)?.delivery !== held) return;
      consumer.inFlight.delete(held.event.id);
      retryOrPark(log, group, held, 'message timeout');
      dispatch(log, group);
    }, group.stored.messageTimeoutMs);
    timer.unref();
    consumer.inFlight.set(held.event.id, { delivery: held, timer });
    consumer.call.write(persistentEventResp(held));
  }
}

function nextConsumerWithRoom(group: Group): Consumer | undefined {
  for (let i = 0; i < group.consumers.length; i++) {
    const index = (group.nextConsumer + i) % group.consumers.length;
    const consumer = group.consumers[index] as Consumer;
    if (consumer.inFlight.size < consumer.capacity) {
      group.nextConsumer = index + 1;
      return consumer;
    }
  }
  return undefined;
}

function persistentEventResp({ event, retryCount }: Delivery): ReadResp {
  const recorded = fillRecordedEvent(new ReadResp.ReadEvent.RecordedEvent(), event);
  const readEvent = new ReadResp.ReadEvent();
  readEvent.setEvent(recorded);
  readEvent.setCommitPosition(event.position.toString());
  if (retryCount > 0) readEvent.setRetryCount(retryCount);
  else readEvent.setNoRetryCount(new Empty());
  const resp = new ReadResp();
  resp.setEvent(readEvent);
  return resp;
}
