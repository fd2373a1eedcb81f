// An in-process PubSub for type-graphql's topic-based subscriptions (buildSchema requires one as soon as the schema
// has a Subscription root). Ours stream from the services instead, so this stays small: no buffering across
// subscribers, each subscriber gets its own queue.
import type { PubSub } from 'type-graphql';

const keyOf = (topic: string, id: unknown) => `${topic}\u0000${String(id)}`;

export class InProcessPubSub implements PubSub {
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  /** publish(topic, payload), or publish(topic, id, payload) for subscribers of `topicId` id. */
  publish(routingKey: string, ...args: unknown[]): void {
    const [key, payload] = args.length >= 2 ? [keyOf(routingKey, args[0]), args[1]] : [routingKey, args[0]];
    for (const listener of this.listeners.get(key) ?? []) listener(payload);
  }

  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown> {
    const key = dynamicId === undefined ? routingKey : keyOf(routingKey, dynamicId);
    const listeners = this.listeners;
    return {
      [Symbol.asyncIterator]() {
        const queue: unknown[] = [];
        let wake: ((result: IteratorResult<unknown>) => void) | null = null;
        let done = false;
        const listener = (payload: unknown) => {
          if (wake) {
            const resolve = wake;
            wake = null;
            resolve({ value: payload, done: false });
          } else queue.push(payload);
        };
        let set = listeners.get(key);
        if (!set) {
          set = new Set();
          listeners.set(key, set);
        }
        set.add(listener);
        const stop = (): IteratorResult<unknown> => {
          done = true;
          set.delete(listener);
          if (set.size === 0) listeners.delete(key);
          wake?.({ value: undefined, done: true });
          wake = null;
          return { value: undefined, done: true };
        };
        return {
          next: () => {
            if (queue.length > 0) return Promise.resolve({ value: queue.shift(), done: false });
            if (done) return Promise.resolve({ value: undefined, done: true });
            return new Promise((resolve) => {
              wake = resolve;
            });
          },
          return: () => Promise.resolve(stop()),
          throw: (error: unknown) => {
            stop();
            return Promise.reject(error);
          },
        };
      },
    };
  }
}
