// TEST STAND-IN, NOT an EventStoreDB server: the write path both append calls share (the unary Append, kept for servers
// without server features, and BatchAppend), with the server's limits and the switches that make a node slow, not
// ready or too busy. Facts from the server's source (23.10/24.10): Streams.Append.cs, Streams.BatchAppend.cs,
// RpcExceptions.cs, ClusterVNodeOptions.cs (MaxAppendSize 1 MiB, WriteTimeoutMs 2 000).
import { randomUUID } from 'node:crypto';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import { AppendReq, AppendResp } from '@eventstore/db-client/generated/streams_pb';
import * as grpc from '@grpc/grpc-js';
import type { AppendOutcome, Expected, ProposedEvent, StandInLog } from './log';

/** The server's defaults. */
export const MAX_APPEND_SIZE = 1024 * 1024;
export const WRITE_TIMEOUT_MS = 2_000;

export interface AppendLimits {
  /** Bytes of event data one append may carry (`--max-append-size`). */
  readonly maxAppendSize: number;
  /** How long the server waits for a write to commit before answering a timeout (`--write-timeout-ms`). */
  readonly writeTimeoutMs: number;
}

/** Switches a test flips to make the node misbehave as a real one does; read on every write. */
export interface AppendSwitches {
  /** Every write is refused as not handled: `NotReady` (a node starting) or `TooBusy` (its queues full). */
  notHandled: 'NotReady' | 'TooBusy' | null;
  /**
   * How long a write takes to commit. Past the write timeout the caller is answered a timeout, and the write still
   * commits when its time comes (a timed-out write on the server may or may not be written).
   */
  commitDelayMs: number;
}

export type WriteOutcome =
  | { readonly kind: 'written'; readonly outcome: AppendOutcome }
  | { readonly kind: 'timedOut' }
  | { readonly kind: 'notHandled'; readonly reason: 'NotReady' | 'TooBusy' };

/**
 * The server's size of an event (Event.SizeOnDisk). Its C# reads `data?.Length ?? 0 + metadata?.Length ?? 0 + ...`,
 * where `+` binds before `??`: data is never null on the gRPC path, so only the data's bytes count.
 */
export const sizeOnDisk = (event: ProposedEvent): number => event.data.length;

export class Writer {
  readonly switches: AppendSwitches = { notHandled: null, commitDelayMs: 0 };
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(
    readonly log: StandInLog,
    readonly limits: AppendLimits,
  ) {}

  /** Commits (now, or after the commit delay), or answers what the server would instead. */
  async write(stream: string, expected: Expected, events: readonly ProposedEvent[]): Promise<WriteOutcome> {
    const { notHandled, commitDelayMs } = this.switches;
    if (notHandled) return { kind: 'notHandled', reason: notHandled };
    if (commitDelayMs <= 0) return { kind: 'written', outcome: this.log.append(stream, expected, events) };
    const written = this.after(commitDelayMs).then(() => this.log.append(stream, expected, events));
    if (commitDelayMs <= this.limits.writeTimeoutMs) return { kind: 'written', outcome: await written };
    await this.after(this.limits.writeTimeoutMs);
    return { kind: 'timedOut' };
  }

  /** A pause that `stop` cancels (it then never ends: the node is gone). */
  private after(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.delayed.delete(timer);
        resolve();
      }, ms);
      this.delayed.add(timer);
    });
  }

  /** The node goes away: writes still waiting for their commit are lost. */
  stop(): void {
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
  }
}

export function expectedOfAppend(options: AppendReq.Options): Expected {
  const Case = AppendReq.Options.ExpectedStreamRevisionCase;
  const revisionCase = options.getExpectedStreamRevisionCase();
  switch (revisionCase) {
    case Case.REVISION:
      return { kind: 'revision', revision: BigInt(options.getRevision()) };
    case Case.NO_STREAM:
      return { kind: 'no_stream' };
    case Case.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    case Case.ANY:
    case Case.EXPECTED_STREAM_REVISION_NOT_SET:
      return { kind: 'any' };
    default: {
      const never: never = revisionCase;
      throw new Error(`unknown expected revision ${String(never)}`);
    }
  }
}

/** The unary Append (client-streaming): a wrong expected version is an answer; the rest are gRPC errors. */
export function handleUnaryAppend(
  writer: Writer,
  call: grpc.ServerReadableStream<AppendReq, AppendResp>,
  callback: grpc.sendUnaryData<AppendResp>,
): void {
  let header: AppendReq.Options | undefined;
  const proposed: ProposedEvent[] = [];
  let size = 0;
  let answered = false;
  const answer = (error: Partial<grpc.StatusObject> | null, resp?: AppendResp) => {
    if (answered) return;
    answered = true;
    callback(error, resp);
  };
  call.on('data', (req: AppendReq) => {
    if (answered) return;
    if (req.hasOptions()) {
      header = req.getOptions();
      return;
    }
    const message = req.getProposedMessage();
    if (!message) return;
    const metadata = message.getMetadataMap();
    const event: ProposedEvent = {
      id: message.getId()?.getString() ?? randomUUID(),
      type: metadata.get('type') ?? '',
      contentType: metadata.get('content-type') ?? 'application/octet-stream',
      data: message.getData_asU8(),
      customMetadata: message.getCustomMetadata_asU8(),
    };
    size += sizeOnDisk(event);
    // Checked as the events arrive (RpcExceptions.MaxAppendSizeExceeded): the client reads the trailers.
    if (size > writer.limits.maxAppendSize) {
      const trailers = new grpc.Metadata();
      trailers.set('exception', 'maximum-append-size-exceeded');
      trailers.set('maximum-append-size', String(writer.limits.maxAppendSize));
      answer({
        code: grpc.status.INVALID_ARGUMENT,
        details: `Maximum Append Size of ${writer.limits.maxAppendSize} Exceeded.`,
        metadata: trailers,
      });
      return;
    }
    proposed.push(event);
  });
  call.on('error', () => {
    answered = true;
  });
  call.on('end', () => {
    if (answered) return;
    const streamName = header ? Buffer.from(header.getStreamIdentifier()?.getStreamName_asU8() ?? []).toString() : '';
    if (!header || streamName === '') {
      answer({ code: grpc.status.INVALID_ARGUMENT, details: 'Append without options' });
      return;
    }
    const expected = expectedOfAppend(header);
    writer.write(streamName, expected, proposed).then(
      (outcome) => answer(...unaryAnswer(outcome, expected)),
      (error: unknown) => answer({ code: grpc.status.INTERNAL, details: String(error) }),
    );
  });
}

function unaryAnswer(outcome: WriteOutcome, expected: Expected): [Partial<grpc.StatusObject> | null, AppendResp?] {
  switch (outcome.kind) {
    case 'notHandled':
      // RpcExceptions.ServerNotReady / ServerBusy.
      return [
        {
          code: grpc.status.UNAVAILABLE,
          details: outcome.reason === 'NotReady' ? 'Server Is Not Ready' : 'Server Is Too Busy',
        },
      ];
    case 'timedOut':
      // RpcExceptions.Timeout: ABORTED, which the client reads as a TimeoutError.
      return [{ code: grpc.status.ABORTED, details: 'Operation timed out: Commit timed out.' }];
    case 'written':
      return [null, appendResp(outcome.outcome, expected)];
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${String(never)}`);
    }
  }
}

function appendResp(outcome: AppendOutcome, expected: Expected): AppendResp {
  const resp = new AppendResp();
  if (outcome.ok) {
    const success = new AppendResp.Success();
    if (outcome.currentRevision === null) success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.position === null) success.setNoPosition(new Empty());
    else {
      const position = new AppendResp.Position();
      position.setCommitPosition(outcome.position.toString());
      position.setPreparePosition(outcome.position.toString());
      success.setPosition(position);
    }
    resp.setSuccess(success);
    return resp;
  }
  // A wrong expected version is an answer, not a gRPC error: that is what EventStoreDB does.
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.currentRevision === null) wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentRevision(outcome.currentRevision.toString());
  switch (expected.kind) {
    case 'any':
      wrong.setExpectedAny(new Empty());
      break;
    case 'no_stream':
      wrong.setExpectedNoStream(new Empty());
      break;
    case 'stream_exists':
      wrong.setExpectedStreamExists(new Empty());
      break;
    case 'revision':
      wrong.setExpectedRevision(expected.revision.toString());
      break;
  }
  resp.setWrongExpectedVersion(wrong);
  return resp;
}
