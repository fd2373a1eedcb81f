// The shape every stream kind follows: pure decide/evolve over plain readonly data.
import { Forbidden, NotFound, type NotFoundKind } from './errors';

/** A domain event as the decider sees it: a past-tense type tag and its data. */
export type Event<
  Type extends string = string,
  Data extends Record<string, unknown> = Record<string, unknown>,
> = Readonly<{
  type: Type;
  data: Readonly<Data>;
  /**
   * Only on events read back from the log: when the fact occurred. A decide never sets it; an evolve reads it
   * where a rule depends on a fact's age (an orphaned e-mail reservation or idempotency claim).
   */
  metadata?: Readonly<{ occurredAt: string }>;
}>;

/** A command: an imperative type tag, its data, and who/when. */
export type Command<
  Type extends string = string,
  Data extends Record<string, unknown> = Record<string, unknown>,
  Metadata extends Record<string, unknown> = CommandMetadata,
> = Readonly<{
  type: Type;
  data: Readonly<Data>;
  metadata: Readonly<Metadata>;
}>;

/** What every command is, whoever its actor: the constraint of a decider's command type. */
export type AnyCommand = Command<string, Record<string, unknown>, Record<string, unknown>>;

export type Role = 'OWNER' | 'ADMIN' | 'MEMBER';

/** Who issues a command. Role and account always come from our own user records, never from a token. */
export interface Actor {
  readonly userId: string;
  readonly accountId: string;
  readonly role: Role;
}

export interface CommandMetadata extends Record<string, unknown> {
  readonly actor: Actor;
  /** Time comes in with the command: deciders read no clock. */
  readonly now: Date;
}

/**
 * The system itself, as the actor of a change a reactor makes (a deactivation's revocations). It holds no role and
 * belongs to no account: the deciders accept it only for the commands a reactor issues. `onBehalfOf` is the user
 * whose act the change carries out (who deactivated), recorded in the events' metadata.
 */
export interface SystemActor {
  readonly kind: 'system';
  readonly onBehalfOf: string;
}

/** The actorId of the system's events: never a user id (those are UUIDs). */
export const SYSTEM_ACTOR_ID = 'system';

export const systemActor = (onBehalfOf: string): SystemActor => ({ kind: 'system', onBehalfOf });

export function isSystemActor(actor: Actor | SystemActor): actor is SystemActor {
  return 'kind' in actor && actor.kind === 'system';
}

/** A command a reactor may issue: its actor is a user or the system. */
export interface ReactorCommandMetadata extends Record<string, unknown> {
  readonly actor: Actor | SystemActor;
  readonly now: Date;
}

export interface Decider<State, C extends AnyCommand, E extends Event> {
  decide(command: C, state: State): E[];
  evolve(state: State, event: E): State;
  initialState(): State;
  /**
   * Optional batch form of evolve, equal to reducing with it. A state that holds a large collection (a
   * subscription's holders) copies it once per batch here instead of once per event, so folding a stream of
   * 100,000 events stays linear.
   */
  fold?(state: State, events: readonly E[], options?: FoldOptions): State;
}

export interface FoldOptions {
  /**
   * The caller hands the state over and never reads it again (the command handler's cache, under its stream
   * lock): its collections may be written into instead of copied, so a command on a subscription with a
   * million holders costs what one on ten does.
   */
  readonly inPlace?: boolean;
}

/** Folds events onto a state, through the decider's own batch fold when it has one. */
export function foldEvents<State, C extends AnyCommand, E extends Event>(
  decider: Decider<State, C, E>,
  state: State,
  events: readonly E[],
  options?: FoldOptions,
): State {
  if (events.length === 0) return state;
  return decider.fold ? decider.fold(state, events, options) : events.reduce((s, e) => decider.evolve(s, e), state);
}

/** Refuses unless the actor has one of the roles. */
export function requireRole(actor: Actor, action: string, ...roles: readonly Role[]): void {
  if (!roles.includes(actor.role)) throw new Forbidden(`only ${roles.join(' or ')} may ${action}`);
}

/** Refuses a command aimed at another account as if it did not exist: never reveal other accounts. */
export function requireOwnAccount(actor: Actor, accountId: string, what: NotFoundKind): void {
  if (actor.accountId !== accountId) throw new NotFound(what, `${what} not found`);
}

/** Ends every switch over a union: the compiler proves no case is missing. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
