// Seat alerts over GraphQL: the alert per product (`seatAlerts`), and setSeatAlert's input and payload.
import { IsOptional } from 'class-validator';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import type { Product as DomainProduct } from '../../domain/plans';
import type { Instant, SeatAlertRow } from '../../queries/rows';
import { Product } from './enums';
import { Node } from './node';
import { DateTimeScalar } from './scalars';
import { IsAlertPercent, IsAlertSeats } from './validators';

@ObjectType({
  description:
    "Fires once when a product's seats cross the threshold (event SeatThresholdCrossed), again only after recovering.",
  implements: Node,
})
export class SeatAlert {
  /** Node's field: `SeatAlert:<accountId>:<product>`, one alert per product and account. */
  id!: string;

  @Field(() => Product, { description: 'The product whose seats the alert watches.' })
  product!: DomainProduct;

  @Field(() => Int, {
    nullable: true,
    description:
      'Fires when this many seats or fewer are available (reserved seats count as used); null: a percentage.',
  })
  availableAtMost!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Fires when assigned and reserved seats are at least this per cent of those purchased (never with none ' +
      'purchased); null: a seat count.',
  })
  usedPercentAtLeast!: number | null;

  @Field(() => Boolean, { description: 'The seats stand past the threshold: it crossed and has not recovered since.' })
  firing!: boolean;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When it last crossed; null: not since it was set.' })
  lastCrossedAt!: Instant | null;
}

@InputType({ description: "Sets, replaces or removes the caller's account's seat alert for a product." })
export class SetSeatAlertInput {
  @Field(() => Product, { description: 'The product to watch.' })
  product!: DomainProduct;

  @Field(() => Int, {
    nullable: true,
    description:
      'Exactly one of the two thresholds; both null removes the alert. Seats available at most: 0 to 1,000,000.',
  })
  @IsOptional()
  @IsAlertSeats()
  availableAtMost?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Or: per cent of the purchased seats in use (assigned or reserved) at least: 1 to 100.',
  })
  @IsOptional()
  @IsAlertPercent()
  usedPercentAtLeast?: number | null;
}

@ObjectType({ description: 'The alert as it stands after setSeatAlert.' })
export class SetSeatAlertPayload {
  @Field(() => SeatAlert, {
    nullable: true,
    description: 'The alert; null once removed. `firing` follows from the alert reactor a moment later.',
  })
  alert!: SeatAlert | null;
}

/** The GraphQL face of a seat alert row. */
export function seatAlertOf(row: SeatAlertRow): SeatAlert {
  return {
    id: seatAlertId(row.accountId, row.product),
    product: row.product,
    availableAtMost: row.kind === 'AVAILABLE_AT_MOST' ? row.threshold : null,
    usedPercentAtLeast: row.kind === 'USED_PERCENT_AT_LEAST' ? row.threshold : null,
    firing: row.firing,
    lastCrossedAt: row.lastCrossedAt,
  };
}

export const seatAlertId = (accountId: string, product: DomainProduct) => `SeatAlert:${accountId}:${product}`;
