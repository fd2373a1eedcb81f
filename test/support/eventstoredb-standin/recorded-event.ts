// TEST STAND-IN, NOT an EventStoreDB server: a stored event as the wire's RecordedEvent. The streams and the
// persistent-subscriptions services each generate their own RecordedEvent class, with the same setters.
import { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import type { StoredEvent } from './log';

/** What both generated RecordedEvent classes offer. */
interface RecordedEventMessage {
  setId(value?: UUID): unknown;
  setStreamIdentifier(value?: StreamIdentifier): unknown;
  setStreamRevision(value: string): unknown;
  setCommitPosition(value: string): unknown;
  setPreparePosition(value: string): unknown;
  getMetadataMap(): { set(key: string, value: string): unknown };
  setData(value: Uint8Array | string): unknown;
  setCustomMetadata(value: Uint8Array | string): unknown;
}

export function fillRecordedEvent<M extends RecordedEventMessage>(recorded: M, event: StoredEvent): M {
  const id = new UUID();
  id.setString(event.id);
  recorded.setId(id);
  const identifier = new StreamIdentifier();
  identifier.setStreamName(Buffer.from(event.streamName, 'utf8'));
  recorded.setStreamIdentifier(identifier);
  recorded.setStreamRevision(event.revision.toString());
  recorded.setCommitPosition(event.position.toString());
  recorded.setPreparePosition(event.position.toString());
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.created.toString());
  recorded.setData(event.data);
  recorded.setCustomMetadata(event.customMetadata);
  return recorded;
}
