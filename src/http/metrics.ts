// Prometheus figures of the HTTP server: requests and latencies per route and per GraphQL operation. The
// composition root may pass its own registry (events appended, projection lag); /metrics serves both.
import { Counter, Histogram, Registry } from 'prom-client';

// Operation names are chosen by clients: bound the label values so a client cannot grow the registry forever.
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

interface HttpMetrics {
  readonly registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** One GraphQL operation answered (`type` as graphql names it, or 'unknown' before one was resolved). */
  observeOperation(type: string, operationName: string | null | undefined, failed: boolean, seconds: number): void;
  /** One answer served from the answer cache (src/http/answer-cache.ts); also counted as an operation. */
  observeCachedAnswer(): void;
  /** Prometheus text of our figures and the composition root's. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Seconds: from a cached read (1 ms) to a slow durable write under load (5 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createHttpMetrics(extra?: Registry): HttpMetrics {
  const registry = new Registry();
  const httpRequests = new Counter({
    name: 'seatledger_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'seatledger_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const operations = new Counter({
    name: 'seatledger_graphql_operations_total',
    help: 'GraphQL operations by type, name and outcome (ok, error)',
    labelNames: ['type', 'operation', 'outcome'] as const,
    registers: [registry],
  });
  const operationDuration = new Histogram({
    name: 'seatledger_graphql_operation_duration_seconds',
    help: 'GraphQL operation latency by type and name',
    labelNames: ['type', 'operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const cachedAnswers = new Counter({
    name: 'seatledger_graphql_cached_answers_total',
    help: 'GraphQL answers reused from the answer cache (seatAvailability, while the account read model is unchanged)',
    registers: [registry],
  });

  const knownNames = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (knownNames.has(name)) return name;
    if (knownNames.size >= MAX_OPERATION_NAMES) return 'other';
    knownNames.add(name);
    return name;
  };

  const merged = extra ? Registry.merge([registry, extra]) : registry;
  // prom-client hashes the label values on every observation: the labelled series are looked up once per value set
  // instead (the sets are bounded: routes, methods, statuses and at most MAX_OPERATION_NAMES operations).
  const series = <T>(make: (...labels: string[]) => T) => {
    const made = new Map<string, T>();
    return (...labels: string[]): T => {
      const key = labels.join('\u0000');
      let one = made.get(key);
      if (one === undefined) {
        one = make(...labels);
        made.set(key, one);
      }
      return one;
    };
  };
  const requestCount = series((route, method, status) => httpRequests.labels(route ?? '', method ?? '', status ?? ''));
  const requestDuration = series((route) => httpDuration.labels(route ?? ''));
  const operationCount = series((type, operation, outcome) =>
    operations.labels(type ?? '', operation ?? '', outcome ?? ''),
  );
  const operationLatency = series((type, operation) => operationDuration.labels(type ?? '', operation ?? ''));

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requestCount(route, method, String(status)).inc();
      requestDuration(route).observe(seconds);
    },
    observeOperation(type, operationName, failed, seconds) {
      const label = operationLabel(operationName);
      operationCount(type, label, failed ? 'error' : 'ok').inc();
      operationLatency(type, label).observe(seconds);
    },
    observeCachedAnswer() {
      cachedAnswers.inc();
    },
    async render() {
      return { contentType: merged.contentType, body: await merged.metrics() };
    },
  };
}
