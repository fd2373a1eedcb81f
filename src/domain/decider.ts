// The shape every stream kind follows: pure decide/evolve over plain readonly data.

/** A domain event as the decider sees it: a past-tense type tag and its data. */
export type Event<
  Type extends string = string,
  Data extends Record<string, unknown> = Record<string, unknown>,
> = Readonly<{
  type: Type;
  data: Readonly<Data>;
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

export interface Decider<State, C extends Command, E extends Event> {
  decide(command: C, state: State): E[];
  evolve(state: State, event: E): State;
  initialState(): State;
}

/** Ends every switch over a union: the compiler proves no case is missing. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
