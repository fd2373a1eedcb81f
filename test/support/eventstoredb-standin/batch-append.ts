// TEST STAND-IN, NOT an EventStoreDB server: BatchAppend, the long-lived duplex stream the client sends every append
// through once server features advertise it. Modelled on the server's BatchAppendWorker (Streams.BatchAppend.cs):
// every answer is a BatchAppendResp for one correlation id, and every failure rides in a google.rpc.Status inside it.
import {
  AllStreamPosition,
  BadRequest,
  MaximumAppendSizeExceeded,
  StreamIdentifier,
  Timeout,
  type UUID,
  WrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { BatchAppendReq, BatchAppendResp } from '@eventstore/db-client/generated/streams_pb';
import type * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import { sizeOnDisk, type WriteOutcome, type Writer } from './append';
import type { AppendOutcome, Expected, ProposedEvent } from './log';

/** google.rpc.Code values the server puts in its Status (Status.cs). */
const Code = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, ALREADY_EXISTS: 6, INTERNAL: 13 } as const;

/** One append whose final chunk has not arrived yet. */
interface Pending {
  readonly correlationId: UUID;
  readonly stream: string;
  readonly expected: Expected;
  readonly events: ProposedEvent[];
  size: number;
  readonly timer: NodeJS.Timeout;
}

export type BatchAppendCall = grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>;

export function handleBatchAppend(writer: Writer, call: BatchAppendCall, open: Set<BatchAppendCall>): void {
  const pending = new Map<string, Pending>();
  let inFlight = 0;
  let clientDone = false;
  let gone = false;
  open.add(call);

  const send = (resp: BatchAppendResp) => {
    if (!gone) call.write(resp);
  };
  const endIfDone = () => {
    // The server answers what is in flight, then closes the call with OK once the client has half-closed.
    if (clientDone && inFlight === 0 && !gone) {
      gone = true;
      open.delete(call);
      call.end();
    }
  };
  const forget = () => {
    gone = true;
    open.delete(call);
    for (const p of pending.values()) clearTimeout(p.timer);
    pending.clear();
  };

  call.on('data', (req: BatchAppendReq) => {
    const correlationId = req.getCorrelationId();
    if (!correlationId) return;
    try {
      receive(req, correlationId);
    } catch (error) {
      // The worker answers any failure of one request as a bad request and goes on with the next.
      send(failure(correlationId, req.getOptions()?.getStreamIdentifier(), badRequest(String(error))));
    }
  });

  function receive(req: BatchAppendReq, correlationId: UUID): void {
    const key = Buffer.from(correlationId.serializeBinary()).toString('base64');
    const options = req.getOptions();
    if (options) {
      const identifier = options.getStreamIdentifier();
      if (!identifier) {
        send(failure(correlationId, undefined, badRequest('Required field StreamIdentifier not set.')));
        return;
      }
      // The requested deadline, capped at the write timeout; one already past is answered at once.
      const deadline = options.getDeadline()?.toDate().getTime() ?? Number.POSITIVE_INFINITY;
      const timeout = Math.min(deadline - Date.now(), writer.limits.writeTimeoutMs);
      if (timeout <= 0) {
        send(failure(correlationId, identifier, timeoutStatus()));
        return;
      }
      if (!pending.has(key)) {
        const stream = Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
        // Answered only while the append is still gathering its chunks; once committed, the write timeout applies.
        const timer = setTimeout(() => {
          if (pending.delete(key)) send(failure(correlationId, identifier, timeoutStatus()));
        }, timeout);
        pending.set(key, { correlationId, stream, expected: expectedOfBatch(options), events: [], size: 0, timer });
      }
    }
    const append = pending.get(key);
    if (!append) return;
    for (const message of req.getProposedMessagesList()) {
      const metadata = message.getMetadataMap();
      const event: ProposedEvent = {
        id: message.getId()?.getString() ?? '',
        type: metadata.get('type') ?? '',
        contentType: metadata.get('content-type') ?? 'application/octet-stream',
        data: message.getData_asU8(),
        customMetadata: message.getCustomMetadata_asU8(),
      };
      append.size += sizeOnDisk(event);
      append.events.push(event);
    }
    if (append.size > writer.limits.maxAppendSize) {
      pending.delete(key);
      clearTimeout(append.timer);
      send(failure(correlationId, streamIdentifier(append.stream), maxAppendSizeExceeded(writer.limits.maxAppendSize)));
      return;
    }
    if (!req.getIsFinal()) return;
    pending.delete(key);
    clearTimeout(append.timer);
    inFlight++;
    writer.write(append.stream, append.expected, append.events).then(
      (outcome) => {
        inFlight--;
        send(answer(append, outcome));
        endIfDone();
      },
      (error: unknown) => {
        inFlight--;
        send(failure(correlationId, streamIdentifier(append.stream), internal(String(error))));
        endIfDone();
      },
    );
  }
  call.on('end', () => {
    clientDone = true;
    endIfDone();
  });
  call.on('cancelled', forget);
  call.on('error', forget);
}

function expectedOfBatch(options: BatchAppendReq.Options): Expected {
  const Case = BatchAppendReq.Options.ExpectedStreamPositionCase;
  const positionCase = options.getExpectedStreamPositionCase();
  switch (positionCase) {
    case Case.STREAM_POSITION:
      return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
    case Case.NO_STREAM:
      return { kind: 'no_stream' };
    case Case.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    case Case.ANY:
      return { kind: 'any' };
    case Case.EXPECTED_STREAM_POSITION_NOT_SET:
      // The server throws RpcExceptions.InvalidArgument here, caught and answered as a bad request.
      throw new Error('ExpectedStreamPositionCase not set');
    default: {
      const never: never = positionCase;
      throw new Error(`unknown expected position ${String(never)}`);
    }
  }
}

function answer(append: Pending, outcome: WriteOutcome): BatchAppendResp {
  const identifier = streamIdentifier(append.stream);
  switch (outcome.kind) {
    case 'notHandled': {
      // No detail type the client knows (an Empty) and code OK: the client raises an UnknownError with this message.
      const status = new Status();
      status.setMessage(outcome.reason === 'NotReady' ? 'Server Is Not Ready' : 'Server Is Busy');
      status.setDetails(pack(new Empty(), 'google.protobuf.Empty'));
      return failure(append.correlationId, identifier, status);
    }
    case 'timedOut':
      return failure(append.correlationId, identifier, timeoutStatus());
    case 'written':
      return outcome.outcome.ok
        ? success(append.correlationId, identifier, outcome.outcome)
        : failure(
            append.correlationId,
            identifier,
            wrongExpectedVersion(outcome.outcome.currentRevision, append.expected),
          );
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${String(never)}`);
    }
  }
}

function success(
  correlationId: UUID,
  identifier: StreamIdentifier,
  outcome: Extract<AppendOutcome, { ok: true }>,
): BatchAppendResp {
  const done = new BatchAppendResp.Success();
  if (outcome.currentRevision === null) done.setNoStream(new Empty());
  else done.setCurrentRevision(outcome.currentRevision.toString());
  if (outcome.position === null) done.setNoPosition(new Empty());
  else {
    const position = new AllStreamPosition();
    position.setCommitPosition(outcome.position.toString());
    position.setPreparePosition(outcome.position.toString());
    done.setPosition(position);
  }
  const resp = new BatchAppendResp();
  resp.setCorrelationId(correlationId);
  resp.setStreamIdentifier(identifier);
  resp.setSuccess(done);
  return resp;
}

function failure(correlationId: UUID, identifier: StreamIdentifier | undefined, status: Status): BatchAppendResp {
  const resp = new BatchAppendResp();
  resp.setCorrelationId(correlationId);
  if (identifier) resp.setStreamIdentifier(identifier);
  resp.setError(status);
  return resp;
}

function streamIdentifier(stream: string): StreamIdentifier {
  const identifier = new StreamIdentifier();
  identifier.setStreamName(Buffer.from(stream, 'utf8'));
  return identifier;
}

function pack(message: { serializeBinary(): Uint8Array }, typeName: string): Any {
  const any = new Any();
  any.pack(message.serializeBinary(), typeName);
  return any;
}

function status(code: number, message: string, details: Any): Status {
  const s = new Status();
  s.setCode(code);
  s.setMessage(message);
  s.setDetails(details);
  return s;
}

const timeoutStatus = () =>
  status(Code.DEADLINE_EXCEEDED, 'Timeout', pack(new Timeout(), 'event_store.client.Timeout'));

function maxAppendSizeExceeded(maxAppendSize: number): Status {
  const details = new MaximumAppendSizeExceeded();
  details.setMaxappendsize(maxAppendSize);
  return status(
    Code.INVALID_ARGUMENT,
    'MaximumAppendSizeExceeded',
    pack(details, 'event_store.client.MaximumAppendSizeExceeded'),
  );
}

function wrongExpectedVersion(current: bigint | null, expected: Expected): Status {
  const details = new WrongExpectedVersion();
  if (current === null) details.setCurrentNoStream(new Empty());
  else details.setCurrentStreamRevision(current.toString());
  switch (expected.kind) {
    case 'any':
      details.setExpectedAny(new Empty());
      break;
    case 'no_stream':
      details.setExpectedNoStream(new Empty());
      break;
    case 'stream_exists':
      details.setExpectedStreamExists(new Empty());
      break;
    case 'revision':
      details.setExpectedStreamPosition(expected.revision.toString());
      break;
    default: {
      const never: never = expected;
      throw new Error(`unknown expected revision ${String(never)}`);
    }
  }
  return status(Code.ALREADY_EXISTS, 'WrongExpectedVersion', pack(details, 'event_store.client.WrongExpectedVersion'));
}

function badRequest(message: string): Status {
  const details = new BadRequest();
  details.setMessage(message);
  return status(Code.INVALID_ARGUMENT, 'BadRequest', pack(details, 'event_store.client.BadRequest'));
}

function internal(message: string): Status {
  return status(Code.INTERNAL, message, pack(new Empty(), 'google.protobuf.Empty'));
}
