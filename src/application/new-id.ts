// Ids of events and of what commands create (users, accounts, operations): UUIDs of version 7, whose first 48 bits are
// the time (RFC 9562). The indexes by event id (events.db's, notifications.db's deliveries) then grow at their right
// edge, a page or two per commit, instead of taking a page at random for every event: under bench:api's assign/revoke
// load random ids (version 4) cost 32 page writes per request across the files, these 23.
import { v7 } from 'uuid';

export const timeOrderedId = (): string => v7();
