// Old event versions become the current shape on read, in this one place: a store wrapper every reader goes
// through, so projections, history, export and subscriptions never see a version they were not written for.
import type {
  AllSubscription,
  EventMetadata,
  EventStore,
  GroupMessage,
  GroupSubscription,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  SubscribeToGroupOptions,
  SubscriptionMessage,
} from './port';

/** Turns a payload of `type` at `fromVersion` into the payload at `fromVersion + 1`. Pure. */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

/** Per type, the upcasters indexed by the version they start from, and the version the chain ends at. */
type Chains = ReadonlyMap<string, { readonly steps: ReadonlyMap<number, Upcaster>; readonly latest: number }>;

function chainsOf(upcasters: readonly Upcaster[]): Chains {
  const chains = new Map<string, { steps: Map<number, Upcaster>; latest: number }>();
  for (const upcaster of upcasters) {
    if (!Number.isInteger(upcaster.fromVersion) || upcaster.fromVersion < 1) {
      throw new RangeError(`upcaster for ${upcaster.type}: fromVersion must be a whole number ≥ 1`);
    }
    const chain = chains.get(upcaster.type) ?? { steps: new Map(), latest: 0 };
    if (chain.steps.has(upcaster.fromVersion)) {
      throw new RangeError(`two upcasters for ${upcaster.type} v${upcaster.fromVersion}`);
    }
    chain.steps.set(upcaster.fromVersion, upcaster);
    chain.latest = Math.max(chain.latest, upcaster.fromVersion + 1);
    chains.set(upcaster.type, chain);
  }
  for (const [type, chain] of chains) {
    // A gap would leave some old version stranded half-way: refuse at start, not on the first such event.
    for (let version = 1; version < chain.latest; version++) {
      if (!chain.steps.has(version)) throw new RangeError(`upcasters for ${type} skip v${version}`);
    }
  }
  return chains;
}

/**
 * Brings one recorded event to the current version of its type. Events already current (the common case), of
 * types never changed, or of a version newer than this code knows are returned as they are, not copied.
 */
export function upcaster(upcasters: readonly Upcaster[]): UpcastFunction {
  const chains = chainsOf(upcasters);
  const upcast = (event: RecordedEvent): RecordedEvent => {
    const chain = chains.get(event.type);
    if (chain === undefined) return event;
    // Events from before metadata carried a version are the first version.
    let version = typeof event.metadata.schemaVersion === 'number' ? event.metadata.schemaVersion : 1;
    if (version >= chain.latest) return event;
    let data = event.data;
    for (let step = chain.steps.get(version); step !== undefined; step = chain.steps.get(version)) {
      data = step.upcast(data);
      version += 1;
    }
    const metadata: EventMetadata = { ...event.metadata, schemaVersion: version };
    return { ...event, data, metadata };
  };
  return Object.assign(upcast, {
    changes: (type: string, schemaVersion: unknown) => {
      const chain = chains.get(type);
      return chain !== undefined && (typeof schemaVersion === 'number' ? schemaVersion : 1) < chain.latest;
    },
    touches: (type: string) => chains.has(type),
  });
}

interface UpcastFunction {
  (event: RecordedEvent): RecordedEvent;
  /** Whether an event of this type and stored version would change (a reader of stored text may skip parsing). */
  changes(type: string, schemaVersion: unknown): boolean;
  /** Whether any version of this type has an upcaster. */
  touches(type: string): boolean;
}

const wrapped = new WeakMap<EventStore, { readonly store: EventStore; readonly upcasters: readonly Upcaster[] }>();

/**
 * What a store made by withUpcasting wraps (one level), and with which upcasters; a plain store: itself, none.
 * For a bulk reader that reads an adapter's stored form directly and must apply the same upcasters (the export).
 */
export function unwrapUpcasting(store: EventStore): {
  readonly store: EventStore;
  readonly upcasters: readonly Upcaster[];
} {
  return wrapped.get(store) ?? { store, upcasters: [] };
}

/** The same store, read through the upcasters. Appends pass through untouched: writers write current versions. */
export function withUpcasting(store: EventStore, upcasters: readonly Upcaster[]): EventStore {
  const upcast = upcaster(upcasters);
  if (upcasters.length === 0) return store;

  async function* mapped(events: AsyncIterable<RecordedEvent>): AsyncIterable<RecordedEvent> {
    for await (const event of events) yield upcast(event);
  }

  const upcasting: EventStore = {
    appendToStream: (stream, events, options) => store.appendToStream(stream, events, options),
    readStream: (stream: string, options?: ReadStreamOptions) => mapped(store.readStream(stream, options)),
    readAll: (options?: ReadAllOptions) => mapped(store.readAll(options)),
    subscribeToAll(options?: SubscribeToAllOptions): AllSubscription {
      const subscription = store.subscribeToAll(options);
      return {
        unsubscribe: () => subscription.unsubscribe(),
        async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
          for await (const message of subscription) {
            yield message.kind === 'event' ? { kind: 'event', event: upcast(message.event) } : message;
          }
        },
      };
    },
    headPosition: () => store.headPosition(),
    close: () => store.close(),
    ...(store.subscribeToGroup
      ? {
          subscribeToGroup(group: string, options?: SubscribeToGroupOptions): GroupSubscription {
            const subscription = (store.subscribeToGroup as NonNullable<EventStore['subscribeToGroup']>)(
              group,
              options,
            );
            return {
              joined: subscription.joined,
              unsubscribe: () => subscription.unsubscribe(),
              async *[Symbol.asyncIterator](): AsyncIterator<GroupMessage> {
                for await (const message of subscription) {
                  const event = upcast(message.event);
                  yield event === message.event
                    ? message
                    : {
                        event,
                        retryCount: message.retryCount,
                        ack: () => message.ack(),
                        nack: (action, reason) => message.nack(action, reason),
                      };
                }
              },
            };
          },
        }
      : {}),
  };
  wrapped.set(upcasting, { store, upcasters });
  return upcasting;
}
