// The published event contract: docs/events is exactly what the registry generates, every event the deciders and
// the application really write validates against its type's schema, and a schema cannot drift from its type.
import fs from 'node:fs';
import path from 'node:path';
import { createApplication } from '../../src/application/create-application';
import { toExportedEvent } from '../../src/cli/export';
import { type AccountState, accountDecider } from '../../src/domain/account';
import { type Event, systemActor } from '../../src/domain/decider';
import { currentSchemaVersion, EVENT_UPCASTERS, PUBLISHED_STREAM_PREFIXES } from '../../src/domain/event-schemas';
import { invitationDecider } from '../../src/domain/invitation';
import { PRODUCTS } from '../../src/domain/plans';
import { seatAlertDecider } from '../../src/domain/seat-alert';
import * as streams from '../../src/domain/streams';
import { type SubscriptionState, subscriptionDecider } from '../../src/domain/subscription';
import { ROLES, type UserState, userDecider } from '../../src/domain/user';
import { exampleLine, renderEventDocs } from '../../src/events-docs/catalogue';
import {
  allEventJsonSchemas,
  EVENT_SCHEMAS,
  eventJsonSchema,
  HISTORICAL_EVENT_SCHEMAS,
} from '../../src/events-docs/schemas';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';
import { withUpcasting } from '../../src/eventstore/upcasting';
import { ACCOUNT, admin, by, NOW, owner } from '../domain/fixtures';
import { makeTempDir } from '../support/temp-dir';
import { validate } from './json-schema';

const DOCS = path.join(__dirname, '..', '..', 'docs', 'events');
const schemaOf = (type: string) => eventJsonSchema(EVENT_SCHEMAS.find((d) => d.type === type) ?? fail(type));
function fail(type: string): never {
  throw new Error(`no schema for ${type}`);
}

/** An event as the application writes it: its metadata as handle-command's toAppend builds it. */
function written(event: Event): Record<string, unknown> {
  return {
    type: event.type,
    data: event.data,
    metadata: {
      accountId: ACCOUNT,
      actorId: owner.userId,
      occurredAt: NOW.toISOString(),
      correlationId: 'req-1',
      causationId: 'req-1',
      schemaVersion: currentSchemaVersion(event.type),
    },
  };
}

describe('docs/events', () => {
  it('holds exactly what `npm run events:docs` generates from the registry', () => {
    // given the registry's rendering
    const expected = renderEventDocs();
    // when the committed folder is read
    const actual = fs.readdirSync(DOCS).filter((name) => name.endsWith('.json') || name.endsWith('.md'));
    // then the same files with the same bytes: run `npm run events:docs` after changing an event
    expect(actual.sort()).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) {
      expect({ name, content: fs.readFileSync(path.join(DOCS, name), 'utf8') }).toEqual({ name, content });
    }
  });

  it('has one schema file per published type and version, none for credentials events', () => {
    const names = [...allEventJsonSchemas().keys()];
    expect(names).toEqual(
      expect.arrayContaining([
        'AccountOpened.v1.json',
        'UserCreated.v1.json',
        'LicensePurchased.v1.json',
        'PlanUpgraded.v1.json',
        'LicenseAssigned.v1.json',
        'LicenseRevoked.v1.json',
        'LicenseRevoked.v2.json',
        'EmailReserved.v1.json',
        'IdempotencyKeyClaimed.v1.json',
      ]),
    );
    expect(names.filter((name) => /^(ActivationIssued|PasswordSet)\./.test(name))).toEqual([]);
    const catalogue = renderEventDocs().get('README.md') ?? '';
    for (const { type } of EVENT_SCHEMAS) expect(catalogue).toContain(`### ${type}`);
    expect(catalogue).toMatch(/credentials-<userId>.*Never published/);
  });

  it('every example in the catalogue validates against its schema', () => {
    [...EVENT_SCHEMAS, ...HISTORICAL_EVENT_SCHEMAS].forEach((definition, index) => {
      expect(validate(eventJsonSchema(definition), exampleLine(definition, index))).toEqual([]);
    });
  });

  it('classifies every stream kind as published or secret, and names every enum value the domain has', () => {
    // Every stream-naming helper, called with placeholder ids: its prefix is what comes before them.
    const prefixes = (
      Object.values(streams).filter((value) => typeof value === 'function') as ((...ids: string[]) => string)[]
    ).map((streamName) => streamName('x', 'x').replace(/x.*$/, ''));
    expect(prefixes.length).toBeGreaterThanOrEqual(6);
    // A stream under the secret prefix (an invitation's link hashes: credentials-invitation-<id>) is secret too.
    const kinds = [
      ...PUBLISHED_STREAM_PREFIXES,
      streams.SECRET_STREAM_PREFIX,
      streams.CLAIM_STREAM_PREFIX,
      streams.SESSION_STREAM_PREFIX,
    ];
    for (const prefix of prefixes) {
      expect(kinds).toContain(prefix.startsWith(streams.SECRET_STREAM_PREFIX) ? streams.SECRET_STREAM_PREFIX : prefix);
    }
    expect(PUBLISHED_STREAM_PREFIXES).not.toContain(streams.SECRET_STREAM_PREFIX);
    expect(PUBLISHED_STREAM_PREFIXES).not.toContain(streams.CLAIM_STREAM_PREFIX);
    expect(PUBLISHED_STREAM_PREFIXES).not.toContain(streams.SESSION_STREAM_PREFIX);
    const data = (type: string) =>
      (schemaOf(type).properties as { data: { properties: Record<string, { enum?: unknown }> } }).data.properties;
    expect(data('LicensePurchased').product?.enum).toEqual(PRODUCTS);
    expect(data('UserCreated').role?.enum).toEqual(ROLES);
  });
});

describe('events the deciders write validate against their schemas', () => {
  const produced = new Set<string>();
  const check = (events: readonly Event[]) => {
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      produced.add(event.type);
      expect({ type: event.type, errors: validate(schemaOf(event.type), written(event)) }).toEqual({
        type: event.type,
        errors: [],
      });
    }
  };
  const alice: UserState = {
    status: 'active',
    userId: 'alice',
    accountId: ACCOUNT,
    email: 'Alice@Example.com',
    emailNormalized: 'alice@example.com',
    name: 'Alice',
    role: 'MEMBER',
  };
  const subscription: SubscriptionState = {
    status: 'active',
    accountId: ACCOUNT,
    product: 'VIDEO_MEETING',
    planId: 'video-standard',
    purchased: 10,
    holders: new Set(['alice']),
    reservations: new Map(),
  };

  it('account', () => {
    check(
      accountDecider.decide(
        {
          type: 'OpenAccount',
          data: { accountId: ACCOUNT, name: ' Acme ', ownerUserId: owner.userId },
          metadata: by(owner),
        },
        { status: 'absent' },
      ),
    );
  });

  it('account: webhook endpoints', () => {
    const open: AccountState = {
      status: 'open',
      accountId: ACCOUNT,
      name: 'Acme',
      ownerUserId: owner.userId,
      seatAlerts: {},
      webhookEndpoints: new Map(),
    };
    const endpointId = 'e5d4c3b2-a190-4f8e-9d7c-6b5a4f3e2d1c';
    const created = accountDecider.decide(
      {
        type: 'CreateWebhookEndpoint',
        data: { endpointId, url: 'https://hooks.example.com/x', eventTypes: ['LicenseAssigned'], description: null },
        metadata: by(admin),
      },
      open,
    );
    check(created);
    const withEndpoint = created.reduce<AccountState>(
      (state, event) => accountDecider.evolve(state, { ...event, metadata: { occurredAt: NOW.toISOString() } }),
      open,
    );
    check(
      accountDecider.decide(
        {
          type: 'UpdateWebhookEndpoint',
          data: { endpointId, enabled: false, description: 'billing' },
          metadata: by(owner),
        },
        withEndpoint,
      ),
    );
    check(
      accountDecider.decide(
        {
          type: 'RotateWebhookSecret',
          data: { endpointId, previousValidUntil: NOW.toISOString() },
          metadata: by(owner),
        },
        withEndpoint,
      ),
    );
    const system = { actor: systemActor('system'), now: NOW };
    check(
      accountDecider.decide(
        { type: 'DisableWebhookEndpoint', data: { endpointId, reason: 'GONE' }, metadata: system },
        withEndpoint,
      ),
    );
    check(
      accountDecider.decide({ type: 'DeleteWebhookEndpoint', data: { endpointId }, metadata: by(owner) }, withEndpoint),
    );
  });

  it('user', () => {
    const absent: UserState = { status: 'absent' };
    const account = { accountId: ACCOUNT, name: 'Olga Owner', email: 'olga@acme.example' };
    check(
      userDecider.decide(
        { type: 'RegisterOwner', data: { userId: owner.userId, ...account }, metadata: by(owner) },
        absent,
      ),
    );
    check(
      userDecider.decide(
        {
          type: 'CreateUser',
          data: { userId: 'alice', accountId: ACCOUNT, email: ' Alice@Example.com ', name: 'Alice', role: 'ADMIN' },
          metadata: by(owner),
        },
        absent,
      ),
    );
    check(
      userDecider.decide(
        { type: 'ChangeUserRole', data: { userId: 'alice', role: 'ADMIN' }, metadata: by(owner) },
        alice,
      ),
    );
    check(userDecider.decide({ type: 'DeactivateUser', data: { userId: 'alice' }, metadata: by(admin) }, alice));
    const invite = {
      userId: 'ivy',
      accountId: ACCOUNT,
      email: 'ivy@example.com',
      name: 'Ivy',
      role: 'MEMBER' as const,
    };
    const invited = userDecider.decide(
      { type: 'InviteUser', data: { ...invite, invitationId: 'inv-1' }, metadata: by(admin) },
      absent,
    );
    check(invited);
    const ivy = invited.reduce<UserState>((state, event) => userDecider.evolve(state, event), absent);
    const asIvy = by({ userId: 'ivy', accountId: ACCOUNT, role: 'MEMBER' });
    check(
      userDecider.decide(
        { type: 'ActivateInvitedUser', data: { userId: 'ivy', invitationId: 'inv-1' }, metadata: asIvy },
        ivy,
      ),
    );
  });

  it('invitation', () => {
    const sent = invitationDecider.decide(
      {
        type: 'SendInvitation',
        data: {
          invitationId: 'inv-1',
          accountId: ACCOUNT,
          userId: 'ivy',
          email: ' ivy@example.com ',
          name: 'Ivy',
          role: 'MEMBER',
          products: ['WEBINAR', 'VIDEO_MEETING'],
          expiresAt: '2025-01-09T00:00:00.000Z',
        },
        metadata: by(owner),
      },
      { status: 'none' },
    );
    check(sent);
    const pending = sent.reduce(
      (state, event) => invitationDecider.evolve(state, event),
      invitationDecider.initialState(),
    );
    const on = { invitationId: 'inv-1' };
    check(invitationDecider.decide({ type: 'ResendInvitation', data: on, metadata: by(admin) }, pending));
    check(invitationDecider.decide({ type: 'CancelInvitation', data: on, metadata: by(admin) }, pending));
    const ivy = by({ userId: 'ivy', accountId: ACCOUNT, role: 'MEMBER' });
    check(invitationDecider.decide({ type: 'AcceptInvitation', data: { ...on, issue: 1 }, metadata: ivy }, pending));
    const later = { actor: systemActor('owner-1'), now: new Date('2025-01-10T00:00:00.000Z') };
    check(invitationDecider.decide({ type: 'ExpireInvitation', data: on, metadata: later }, pending));
  });

  it('subscription', () => {
    const onVideo = { accountId: ACCOUNT, product: 'VIDEO_MEETING' as const };
    const none: SubscriptionState = { status: 'none' };
    check(
      subscriptionDecider.decide(
        { type: 'PurchaseLicenses', data: { ...onVideo, planId: 'video-standard', quantity: 10 }, metadata: by(owner) },
        none,
      ),
    );
    check(
      subscriptionDecider.decide(
        { type: 'UpgradePlan', data: { ...onVideo, planId: 'video-pro' }, metadata: by(owner) },
        subscription,
      ),
    );
    check(
      subscriptionDecider.decide(
        { type: 'ReleaseLicenses', data: { ...onVideo, quantity: 2 }, metadata: by(owner) },
        subscription,
      ),
    );
    const bob: UserState = { ...alice, userId: 'bob' };
    check(
      subscriptionDecider.decide(
        { type: 'AssignLicense', data: { ...onVideo, userId: 'bob', user: bob }, metadata: by(admin) },
        subscription,
      ),
    );
    check(
      subscriptionDecider.decide(
        { type: 'RevokeLicense', data: { ...onVideo, userId: 'alice', reason: ' left ' }, metadata: by(owner) },
        subscription,
      ),
    );
    check(
      subscriptionDecider.decide(
        { type: 'RevokeLicense', data: { ...onVideo, userId: 'alice', reason: null }, metadata: by(owner) },
        subscription,
      ),
    );
    const hold = { ...onVideo, invitationId: 'inv-1' };
    const reserved = subscriptionDecider.decide(
      {
        type: 'ReserveSeat',
        data: { ...hold, userId: 'ivy', expiresAt: '2025-01-09T00:00:00.000Z' },
        metadata: by(admin),
      },
      subscription,
    );
    check(reserved);
    const held = reserved.reduce<SubscriptionState>(
      (state, event) => subscriptionDecider.evolve(state, event),
      subscription,
    );
    const ivy = by({ userId: 'ivy', accountId: ACCOUNT, role: 'MEMBER' });
    check(subscriptionDecider.decide({ type: 'ConvertSeatReservation', data: hold, metadata: ivy }, held));
    check(subscriptionDecider.decide({ type: 'CancelSeatReservation', data: hold, metadata: by(owner) }, held));
    const later = { actor: systemActor('owner-1'), now: new Date('2025-01-10T00:00:00.000Z') };
    check(subscriptionDecider.decide({ type: 'ExpireSeatReservation', data: hold, metadata: later }, held));
  });

  it('seat alerts', () => {
    const opened = { status: 'open' as const, accountId: ACCOUNT, name: 'Acme', ownerUserId: owner.userId };
    const onVideo = { accountId: ACCOUNT, product: 'VIDEO_MEETING' as const };
    const setAlert = (availableAtMost: number | null) => ({
      type: 'SetSeatAlert' as const,
      data: { ...onVideo, availableAtMost, usedPercentAtLeast: null },
      metadata: by(admin),
    });
    check(accountDecider.decide(setAlert(2), { ...opened, seatAlerts: {}, webhookEndpoints: new Map() }));
    check(
      accountDecider.decide(setAlert(null), {
        ...opened,
        webhookEndpoints: new Map(),
        seatAlerts: { VIDEO_MEETING: { kind: 'AVAILABLE_AT_MOST', threshold: 2 } },
      }),
    );
    const step = (assigned: number, subscriptionRevision: number) => ({
      type: 'EvaluateSeatAlert' as const,
      data: {
        step: {
          ...onVideo,
          rule: { kind: 'AVAILABLE_AT_MOST' as const, threshold: 2 },
          ruleSet: false,
          counts: { purchased: 10, assigned, reserved: 0, available: 10 - assigned },
          subscriptionRevision,
          accountRevision: 1,
        },
      },
      metadata: { actor: systemActor('owner-1'), now: new Date('2025-01-10T00:00:00.000Z') },
    });
    const crossed = seatAlertDecider.decide(step(8, 8), seatAlertDecider.initialState());
    check(crossed);
    const firing = crossed.reduce(
      (state, event) => seatAlertDecider.evolve(state, event),
      seatAlertDecider.initialState(),
    );
    check(seatAlertDecider.decide(step(7, 9), firing));
  });

  afterAll(() => {
    // Every type of the domain stream kinds came out of a decider above.
    const domainTypes = EVENT_SCHEMAS.filter((d) =>
      ['account-', 'user-', 'subscription-', 'invitation-', 'alert-'].includes(d.stream),
    );
    expect(domainTypes.map((d) => d.type).filter((type) => !produced.has(type))).toEqual([]);
  });
});

describe('the application’s own log', () => {
  it('every published event it writes, read back through the upcasters, validates against its current schema', async () => {
    // given the real application over the real SQLite store
    const temp = makeTempDir();
    const raw = openSqliteEventStore({ file: path.join(temp.dir, 'events.db') });
    try {
      const app = createApplication({ store: raw });
      const opened = await app.openAccount(
        { correlationId: 'req-1' },
        {
          accountName: 'Acme',
          ownerName: 'Olga Owner',
          ownerEmail: 'olga@acme.example',
        },
      );
      const ctx = {
        actor: { userId: opened.ownerUserId, accountId: opened.accountId, role: 'OWNER' as const },
        correlationId: 'req-2',
      };
      // when it runs the seed's whole flow, a purchase with an idempotency key included
      const { userId } = await app.createUser(ctx, { email: 'ann@acme.example', name: 'Ann', role: 'MEMBER' });
      await app.changeUserRole(ctx, { userId, role: 'ADMIN' });
      await app.purchaseLicenses(ctx, {
        product: 'VIDEO_MEETING',
        planId: 'video-standard',
        quantity: 3,
        idempotencyKey: 'order-1',
      });
      await app.upgradePlan(ctx, { product: 'VIDEO_MEETING', planId: 'video-pro' });
      await app.assignLicense(ctx, { userId, product: 'VIDEO_MEETING' });
      await app.revokeLicense(ctx, { userId, product: 'VIDEO_MEETING', reason: 'moved team' });
      await app.releaseLicenses(ctx, { product: 'VIDEO_MEETING', quantity: 1 });
      await app.deactivateUser(ctx, { userId });

      // then every event validates, as a consumer reads it
      const types = new Set<string>();
      for await (const event of withUpcasting(raw, EVENT_UPCASTERS).readAll()) {
        types.add(event.type);
        // As the export writes it: the line format is part of what the schema describes.
        const line = toExportedEvent(event);
        expect({ type: event.type, errors: validate(schemaOf(event.type), line) }).toEqual({
          type: event.type,
          errors: [],
        });
      }
      expect([...types].sort()).toEqual(
        [
          'AccountOpened',
          'EmailReserved',
          'IdempotencyKeyClaimed',
          'IdempotencyKeyCompleted',
          'LicenseAssigned',
          'LicensePurchased',
          'LicenseRevoked',
          'LicensesReleased',
          'PlanUpgraded',
          'UserCreated',
          'UserDeactivated',
          'UserRoleChanged',
        ].sort(),
      );
    } finally {
      await raw.close();
      temp.cleanup();
    }
  });
});

describe('the validator', () => {
  // It must be able to say no, or every test above proves nothing.
  const line = written({
    type: 'LicenseRevoked',
    data: { accountId: ACCOUNT, product: 'VIDEO_MEETING', planId: 'video-pro', userId: 'u', reason: null },
  });
  const schema = schemaOf('LicenseRevoked');
  const withData = (data: Record<string, unknown>) => ({ ...line, data: { ...(line.data as object), ...data } });

  it('accepts a valid event', () => {
    expect(validate(schema, line)).toEqual([]);
  });

  it.each([
    ['an unknown payload field', withData({ seats: 1 }), 'unexpected seats'],
    [
      'a missing payload field',
      { ...line, data: { accountId: ACCOUNT, product: 'VIDEO_MEETING', planId: 'p', userId: 'u' } },
      'missing reason',
    ],
    ['a value outside the enum', withData({ product: 'FAX' }), 'is not one of'],
    ['a wrong type', withData({ userId: 7 }), 'expected string'],
    ['an empty id', withData({ userId: '' }), 'shorter than 1'],
    ['a wrong schema version', { ...line, metadata: { ...(line.metadata as object), schemaVersion: 1 } }, 'expected 2'],
    [
      'a malformed occurredAt',
      { ...line, metadata: { ...(line.metadata as object), occurredAt: 'yesterday' } },
      'not a date-time',
    ],
    ['missing metadata', { type: 'LicenseRevoked', data: line.data }, 'missing metadata'],
  ])('refuses %s', (_what, value, problem) => {
    expect(validate(schema, value).join('\n')).toContain(problem);
  });

  it('refuses a malformed e-mail and a negative quantity', () => {
    const created = schemaOf('UserCreated');
    const user = written({
      type: 'UserCreated',
      data: {
        userId: 'u',
        accountId: ACCOUNT,
        email: 'not mail',
        emailNormalized: 'not mail',
        name: 'N',
        role: 'MEMBER',
      },
    });
    expect(validate(created, user).join('\n')).toContain('not an e-mail address');
    const purchased = written({
      type: 'LicensePurchased',
      data: { accountId: ACCOUNT, product: 'WEBINAR', planId: 'webinar-100', quantity: 0 },
    });
    expect(validate(schemaOf('LicensePurchased'), purchased).join('\n')).toContain('below 1');
  });
});

describe('writers’ versions', () => {
  it('currentSchemaVersion names the version of every type, the changed one included, and refuses unknown types', () => {
    expect(currentSchemaVersion('LicenseAssigned')).toBe(1);
    expect(currentSchemaVersion('LicenseRevoked')).toBe(2);
    expect(currentSchemaVersion('PasswordSet')).toBe(1);
    expect(() => currentSchemaVersion('LicenseStolen')).toThrow(/no schema/);
  });
});
