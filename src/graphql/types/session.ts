// The inputs and payloads of the session mutations (refreshSession, logout); the tokens themselves are in
// AuthPayload and SignUpPayload (payloads.ts).
import { IsOptional } from 'class-validator';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { IsSecretToken } from './validators';

@InputType({ description: 'The refresh token to spend for a new pair.' })
export class RefreshSessionInput {
  @Field(() => String, { description: 'The `refreshToken` of the last AuthPayload or SignUpPayload of the session.' })
  @IsSecretToken()
  refreshToken!: string;
}

@InputType({ description: 'Which sessions to end.' })
export class LogoutInput {
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Also ends every other session of the caller (every device and tab signed in as them).',
  })
  @IsOptional()
  allSessions?: boolean | null;
}

@ObjectType({ description: 'What logout did.' })
export class LogoutPayload {
  @Field(() => Int, {
    description: 'How many sessions were live and are ended now (0 when the token names no session still live).',
  })
  sessionsEnded!: number;
}
