// EventStoreDB's {commit, prepare} position <-> the port's opaque, string-ordered position.
// Both parts are unsigned 64-bit on the wire, so 20 zero-padded digits each keep string order equal to numeric order.
// Inside the server they are signed 64-bit (a log offset), so nothing at or above 2^63 is a place in the log.
import type { Position } from '../port';

export interface EsdbPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

const WIDTH = 20;
const FORMAT = /^(\d{20})-(\d{20})$/;
/** The first value the server's signed 64-bit log offsets cannot reach. */
const POSITION_LIMIT = 1n << 63n;

export function encodePosition(position: EsdbPosition): Position {
  return `${position.commit.toString().padStart(WIDTH, '0')}-${position.prepare.toString().padStart(WIDTH, '0')}`;
}

export function decodePosition(position: Position): EsdbPosition {
  const match = FORMAT.exec(position);
  if (!match) throw new RangeError(`not an EventStoreDB position: ${JSON.stringify(position)}`);
  return { commit: BigInt(match[1] as string), prepare: BigInt(match[2] as string) };
}

export function comparePositions(a: EsdbPosition, b: EsdbPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/**
 * Whether a position the server sent can be a place in its log. One at or above 2^63 is the server's "no position"
 * (-1) read as unsigned, as in KDB-710 (24.2-24.10.4: (2^64-1, 2^64-1) as the checkpoint at the switch to live): taken
 * as a checkpoint it would put every later event behind it.
 */
export function isInLog(position: EsdbPosition): boolean {
  return (
    position.commit >= 0n &&
    position.prepare >= 0n &&
    position.commit < POSITION_LIMIT &&
    position.prepare < POSITION_LIMIT
  );
}
