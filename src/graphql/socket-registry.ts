// Open GraphQL WebSockets by viewer, and the processor of the log that closes them when their viewer loses access.
// A socket's viewer is resolved once, at connect, and its subscriptions run as that viewer for as long as they last:
// so a deactivation, or a role taken away, has to end the socket rather than wait for the token to expire. Every
// instance follows the whole log, so each closes its own sockets whoever wrote the change. Closed with 4403, as
// graphql-ws refuses a connection; the reason says why (USER_DEACTIVATED, ROLE_CHANGED). A client reconnecting
// gets what the viewer may have now: nothing once deactivated, the lower role's feeds once demoted.
import type { Role } from '../domain/decider';
import { isEventOf } from '../domain/events';
import type { Position, RecordedEvent } from '../eventstore/port';
import type { Processor } from '../processing/processor';
import type { Viewer } from './context';

/** graphql-ws's Forbidden: what a client also gets for a connection refused at connect. */
export const ACCESS_LOST_CLOSE_CODE = 4403;

/** Why a socket was closed: the close frame's reason. */
export type AccessLost = 'USER_DEACTIVATED' | 'ROLE_CHANGED';

/** What the registry needs of a socket (a `ws` WebSocket). */
interface ClosableSocket {
  close(code: number, reason: string): void;
}

export interface SocketRegistry extends Processor {
  /** Tracks a connected socket under its viewer; answers the function that forgets it (on close). */
  track(socket: ClosableSocket, viewer: Viewer): () => void;
  /** The viewer a socket now runs as (re-resolved for a new subscription, e.g. after a promotion). */
  update(socket: ClosableSocket, viewer: Viewer): void;
}

const RANK: Readonly<Record<Role, number>> = { OWNER: 3, ADMIN: 2, MEMBER: 1 };

/** True when `now` may do less than `before`: a subscription running as `before` may need what `now` lacks. */
export const isDemotion = (before: Role, now: Role): boolean => RANK[now] < RANK[before];

export function socketRegistry(): SocketRegistry {
  const byUser = new Map<string, Map<ClosableSocket, Viewer>>();

  const closeWhere = (userId: string, why: AccessLost, applies: (viewer: Viewer) => boolean) => {
    const sockets = byUser.get(userId);
    if (!sockets) return;
    for (const [socket, viewer] of sockets) if (applies(viewer)) socket.close(ACCESS_LOST_CLOSE_CODE, why);
  };

  return {
    name: 'websocket-access',
    // Only user streams say who may do what; what was written before this process started has no socket here.
    filter: { streamPrefixes: ['user-'] },
    checkpoint: () => 'head',

    handle(events: readonly RecordedEvent[], _through: Position) {
      for (const event of events) {
        if (isEventOf(event, 'UserDeactivated')) {
          closeWhere(event.data.userId, 'USER_DEACTIVATED', () => true);
        } else if (isEventOf(event, 'UserRoleChanged')) {
          const { userId, role } = event.data;
          closeWhere(userId, 'ROLE_CHANGED', (viewer) => isDemotion(viewer.role, role));
        }
      }
    },

    track(socket, viewer) {
      const sockets = byUser.get(viewer.userId) ?? new Map<ClosableSocket, Viewer>();
      byUser.set(viewer.userId, sockets);
      sockets.set(socket, viewer);
      return () => {
        sockets.delete(socket);
        if (sockets.size === 0 && byUser.get(viewer.userId) === sockets) byUser.delete(viewer.userId);
      };
    },

    update(socket, viewer) {
      const sockets = byUser.get(viewer.userId);
      if (sockets?.has(socket)) sockets.set(socket, viewer);
    },
  };
}
