// EventStoreDB's {commit, prepare} position <-> the port's opaque, string-ordered position.
// Both parts are unsigned 64-bit, so 20 zero-padded digits each keep string order equal to numeric order.
import type { Position } from '../port';

export interface EsdbPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

const WIDTH = 20;
const FORMAT = /^(\d{20})-(\d{20})$/;

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
