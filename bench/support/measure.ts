// What the benches compare with: the median of interleaved rounds, a rate from a start time, and one sample event.
import { randomUUID } from 'node:crypto';
import type { EventMetadata, EventToAppend } from '../../src/eventstore/port';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Items per second since `startNs` (a `process.hrtime.bigint()`). */
export function perSecond(count: number, startNs: bigint): number {
  return count / (Number(process.hrtime.bigint() - startNs) / 1e9);
}

export const sampleMetadata: EventMetadata = {
  accountId: 'acc-1',
  actorId: 'user-1',
  occurredAt: new Date().toISOString(),
  correlationId: randomUUID(),
  causationId: randomUUID(),
  schemaVersion: 1,
};
export const sampleData = { accountId: 'acc-1', product: 'VIDEO_MEETING', userId: 'user-42', planId: 'video-pro' };

/** A LicenseAssigned of the usual size, with a fresh id: the row every append bench writes. */
export const anEvent = (): EventToAppend => ({
  id: randomUUID(),
  type: 'LicenseAssigned',
  data: sampleData,
  metadata: sampleMetadata,
});
