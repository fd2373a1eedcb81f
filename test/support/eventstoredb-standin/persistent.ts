// TEST STAND-IN, NOT an EventStoreDB server: persistent subscription groups to $all (Create, Read with ack/nack),
// competing consumers served round robin, retries up to maxRetryCount then parking, as EventStoreDB documents them.

import { randomUUID } from 'node:crypto';
import { PersistentSubscriptionsService } from '@eventstore/db-client/generated/persistent_grpc_pb';
import { CreateReq, CreateResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/persistent_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import type { StandInLog, StoredEvent } from './log';
import { fillRecordedEvent } from './recorded-event';

export const PERSISTENT_SERVICE = 'event_store.client.persistent_subscriptions.PersistentSubscriptions';

interface Delivery {
  readonly event: StoredEvent;
  retryCount: number;
}

interface Consumer {
  readonly call: grpc.ServerDuplexStream<ReadReq, ReadResp>;
  readonly capacity: number;
  readonly inFlight: Map<string, { delivery: Delivery; timer: NodeJS.Timeout }>;
}

interface Group {
  readonly name: string;
  readonly matches: (event: StoredEvent) => boolean;
  readonly maxRetryCount: number;
  readonly messageTimeoutMs: number;
  /** Next index of the log not yet handed out. */
  cursor: number;
  readonly retries: Delivery[];
  readonly consumers: Consumer[];
  nextConsumer: number;
}

// Groups live with the log, so a restarted stand-in on the same log keeps them, like a node keeps its checkpoints.
const groupsByLog = new WeakMap<StandInLog, Map<string, Group>>();

function groupsOf(log: StandInLog): Map<string, Group> {
  let groups = groupsByLog.get(log);
  if (!groups) {
    groups = new Map();
    groupsByLog.set(log, groups);
  }
  return groups;
}

export function addPersistentSubscriptions(server: grpc.Server, log: StandInLog): { stop(): void } {
  const groups = groupsOf(log);
  const offAppend = log.onAppend(() => {
    for (const group of groups.values()) dispatch(log, group);
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
      if (groups.has(name)) {
        callback(failure(grpc.status.ALREADY_EXISTS, 'persistent-subscription-exists', name));
        return;
      }
      const settings = options.getSettings() ?? new CreateReq.Settings();
      const Case = CreateReq.AllOptions.AllOptionCase;
      const cursor =
        all.getAllOptionCase() === Case.POSITION
          ? log.indexAtOrAfter(BigInt(all.getPosition()?.getCommitPosition() ?? '0'))
          : all.getAllOptionCase() === Case.END
            ? log.events.length
            : 0;
      groups.set(name, {
        name,
        matches: filterOf(all),
        maxRetryCount: settings.getMaxRetryCount(),
        messageTimeoutMs:
          settings.getMessageTimeoutCase() === CreateReq.Settings.MessageTimeoutCase.MESSAGE_TIMEOUT_TICKS
            ? Number(BigInt(settings.getMessageTimeoutTicks()) / 10_000n)
            : settings.getMessageTimeoutMs() || 30_000,
        cursor,
        retries: [],
        consumers: [],
        nextConsumer: 0,
      });
      callback(null, new CreateResp());
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
          const options = req.getOptions() as ReadReq.Options;
          group = options.hasAll() ? groups.get(options.getGroupName()) : undefined;
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
          confirmation.setSubscriptionId(`$all::${group.name}`);
          const resp = new ReadResp();
          resp.setSubscriptionConfirmation(confirmation);
          call.write(resp);
          dispatch(log, group);
          return;
        }
        if (!consumer || !group) return;
        if (req.hasAck()) {
          for (const id of req.getAck()?.getIdsList() ?? []) settle(consumer, id.getString());
        } else if (req.hasNack()) {
          const nack = req.getNack() as ReadReq.Nack;
          for (const id of nack.getIdsList()) {
            const delivery = settle(consumer, id.getString());
            if (!delivery) continue;
            switch (nack.getAction()) {
              case ReadReq.Nack.Action.PARK:
                park(log, group, delivery, nack.getReason());
                break;
              case ReadReq.Nack.Action.RETRY:
                retryOrPark(log, group, delivery, nack.getReason());
                break;
              default:
                // SKIP, STOP and UNKNOWN: the message is done with.
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
    stop: () => {
      offAppend();
      for (const group of groups.values()) {
        for (const consumer of [...group.consumers]) {
          consumer.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'Server is shutting down' });
        }
      }
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

function retryOrPark(log: StandInLog, group: Group, delivery: Delivery, reason: string): void {
  if (delivery.retryCount >= group.maxRetryCount) park(log, group, delivery, reason);
  else group.retries.push({ event: delivery.event, retryCount: delivery.retryCount + 1 });
}

/** EventStoreDB parks a message as a link in `$persistentsubscription-<stream>::<group>-parked`. */
function park(log: StandInLog, group: Group, delivery: Delivery, reason: string): void {
  const { event } = delivery;
  log.append(`$persistentsubscription-$all::${group.name}-parked`, { kind: 'any' }, [
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
      const event = log.events[group.cursor++] as StoredEvent;
      if (group.matches(event)) delivery = { event, retryCount: 0 };
    }
    if (!delivery) return;
    const held = delivery;
    const timer = setTimeout(() => {
      if (consumer.inFlight.get(held.event.id)?.delivery !== held) return;
      consumer.inFlight.delete(held.event.id);
      retryOrPark(log, group, held, 'message timeout');
      dispatch(log, group);
    }, group.messageTimeoutMs);
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
