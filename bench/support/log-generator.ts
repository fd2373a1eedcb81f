// The 1,000,000-event log the benches share (replay, export): a seeded, realistic mix written to a SQLite file.
// BENCH_EVENTS and BENCH_BIG_USERS shrink it for a quick run.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Role } from '../../src/domain/decider';
import { currentSchemaVersion } from '../../src/domain/event-schemas';
import type { Product } from '../../src/domain/plans';
import { accountStream, subscriptionStream, userStream } from '../../src/domain/streams';
import type { EventStore, EventToAppend } from '../../src/eventstore/port';
import { openSqliteEventStore } from '../../src/eventstore/sqlite';

const TOTAL_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const BIG_ACCOUNT_USERS = Number(process.env.BENCH_BIG_USERS ?? 100_000);
const SMALL_ACCOUNTS = 4_000;

// ---------------------------------------------------------------------------------------------------------------
// The log: a seeded, realistic mix. One big account (100,000 users, tens of thousands of seats), thousands of small
// ones; purchases, upgrades, role changes, deactivations, and assign/revoke churn filling the rest.

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const FIRST =
  `Anna Ben Carla David Elena Farid Greta Hugo Ines Jonas Kara Liam Maya Noah Olga Pavel Quinn Rosa Sven Tara
  Ugo Vera Wim Xena Yusuf Zoe Aisha Bruno Chloe Dmitri Emma Felix Gina Hanna Ivan Julia Karl Lena Marco Nina Oscar Paula
  Rafael Sofia Tomas Una Viktor Wanda Yara Zaid Amir Bea Cyril Dora Emil Fatima Gustav Helga Ilse José Kenji Lucía Mateo
  Nadia Otto Priya Ramón Selma Theo Ursula Vivek Wolfgang Ximena Yoko Zlatan Agnes Björn Celine Dario Edda Filip Gerda
  Henrik Irma Jan Klara Lars Mila Nils Orla Per Ronja Stig Tove Ulf Vilma`
    .split(/\s+/)
    .filter(Boolean);
const LAST = `Smith Müller García Rossi Kowalski Novak Jensen Silva Dubois Nakamura Okafor Petrov Schmidt Larsen Moreau
  Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf Neumann Schwarz Zimmermann Braun Krüger
  Hofmann Hartmann Lange Schmitt Werner Krause Lehmann Köhler Maier Herrmann König Walter Mayer Huber Kaiser Fuchs Peters
  Lang Scholz Möller Weiß Jung Hahn Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke
  Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel
  Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch Bergmann Thomas Voigt
  Sauer Arnold Wolff Pfeiffer Andersen Nielsen Hansen Pedersen Olsen Thomsen Rasmussen Jørgensen Madsen Kristensen
  Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson Jonsson Lindberg Lindqvist
  Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg
  Sjöberg Wallin Engström Eklund Danielsson Lundin Håkansson Björk Bengtsson Bergman Fransson Holm Samuelsson Nyström
  Holmberg Arvidsson Löfgren Söderberg Nyberg Blomqvist Claesson Nordström Mårtensson Lundström Viklund Björklund
  Eliasson Pålsson Berggren Sandström Lund Nordin Ström Åberg Hermansson Ekström Holmgren Sundberg Hedlund Dahlberg
  Hellström Sjögren Abrahamsson Martinsson Öberg Andreasson Strömberg Månsson Åkesson Hansson Dahl Lindholm Norberg
  Holmqvist Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti DeLuca Mancini
  Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi Caruso Ferrara Galli Martini Leone
  Longo Gentile Martinelli Vitale Lombardo Serra Coppola DeSantis Dangelo Marchetti Parisi Villa Conte Ferraro Ferri
  Fabbri Bianco Marini Grasso Valentini Messina Sala DeAngelis Gatti Pellegrini Palumbo Sanna Farina Rizzi Monti
  Cattaneo Morelli Amato Silvestri Mazza Testa Grassi Pellegrino Carbone Giuliani Benedetti Barone Rossetti Caputo`
  .split(/\s+/)
  .filter(Boolean);

interface SimAccount {
  readonly id: string;
  readonly owner: string;
  readonly users: string[];
  readonly inactive: Set<string>;
  readonly roles: Map<string, Role>;
  readonly subscriptions: SimSubscription[];
}
interface SimSubscription {
  readonly account: SimAccount;
  readonly product: Product;
  planId: string;
  purchased: number;
  readonly holders: string[];
  readonly holderIndex: Map<string, number>;
}

const PLAN_LADDER: Record<Product, string[]> = {
  VIDEO_MEETING: ['video-standard', 'video-pro', 'video-business'],
  WEBINAR: ['webinar-100', 'webinar-500', 'webinar-1000'],
};

class LogWriter {
  private batch: { stream: string; events: EventToAppend[] }[] = [];
  private pending: Promise<unknown>[] = [];
  private clock = Date.UTC(2023, 0, 1);
  count = 0;

  constructor(private readonly store: EventStore) {}

  add(stream: string, accountId: string, actorId: string, type: string, data: Record<string, unknown>): void {
    this.clock += 1000;
    const correlationId = randomUUID();
    const event: EventToAppend = {
      id: randomUUID(),
      type,
      data,
      metadata: {
        accountId,
        actorId,
        occurredAt: new Date(this.clock).toISOString(),
        correlationId,
        causationId: correlationId,
        // As the application writes them: every type at its current version.
        schemaVersion: currentSchemaVersion(type),
      },
    };
    this.count += 1;
    const last = this.batch[this.batch.length - 1];
    if (last && last.stream === stream && last.events.length < 500) last.events.push(event);
    else this.batch.push({ stream, events: [event] });
  }

  async flushIfFull(): Promise<void> {
    if (this.batch.length >= 5000) await this.flush();
  }

  async flush(): Promise<void> {
    for (const { stream, events } of this.batch) {
      this.pending.push(this.store.appendToStream(stream, events, { expectedRevision: 'any' }));
    }
    this.batch = [];
    await Promise.all(this.pending);
    this.pending = [];
  }
}

async function generateLog(file: string): Promise<{ events: number; users: number; accounts: number }> {
  const store = openSqliteEventStore({ file });
  const log = new LogWriter(store);
  const accounts: SimAccount[] = [];
  const subscriptions: SimSubscription[] = [];
  let userSeq = 0;

  const createUser = async (account: SimAccount, role: Role) => {
    userSeq += 1;
    const userId = `u${userSeq.toString(36)}-${randomUUID().slice(0, 8)}`;
    const first = pick(FIRST);
    const last = pick(LAST);
    const email = `${first}.${last}${userSeq}@${account.id}.example`;
    log.add(userStream(userId), account.id, account.owner || userId, 'UserCreated', {
      userId,
      accountId: account.id,
      email,
      emailNormalized: email.toLowerCase(),
      name: `${first} ${last}`,
      role,
    });
    account.users.push(userId);
    account.roles.set(userId, role);
    await log.flushIfFull();
    return userId;
  };

  const openAccount = async (index: number, users: number, seats: Partial<Record<Product, number>>) => {
    const id = `acct-${index}`;
    const account: SimAccount = {
      id,
      owner: '',
      users: [],
      inactive: new Set(),
      roles: new Map(),
      subscriptions: [],
    };
    const owner = await createUser(account, 'OWNER');
    (account as { owner: string }).owner = owner;
    log.add(accountStream(id), id, owner, 'AccountOpened', {
      accountId: id,
      name: `Company ${index}`,
      ownerUserId: owner,
    });
    for (let i = 1; i < users; i++) await createUser(account, random() < 0.05 ? 'ADMIN' : 'MEMBER');
    for (const [product, quantity] of Object.entries(seats) as [Product, number][]) {
      const subscription: SimSubscription = {
        account,
        product,
        planId: pick(PLAN_LADDER[product].slice(0, 2)),
        purchased: 0,
        holders: [],
        holderIndex: new Map(),
      };
      for (let left = quantity; left > 0; left -= 10_000) purchase(subscription, Math.min(left, 10_000));
      account.subscriptions.push(subscription);
      subscriptions.push(subscription);
    }
    accounts.push(account);
    await log.flushIfFull();
  };

  const purchase = (s: SimSubscription, quantity: number) => {
    s.purchased += quantity;
    log.add(subscriptionStream(s.account.id, s.product), s.account.id, s.account.owner, 'LicensePurchased', {
      accountId: s.account.id,
      product: s.product,
      planId: s.planId,
      quantity,
    });
  };

  const assign = (s: SimSubscription) => {
    const account = s.account;
    for (let attempt = 0; attempt < 5; attempt++) {
      const userId = pick(account.users);
      if (s.holderIndex.has(userId) || account.inactive.has(userId)) continue;
      s.holderIndex.set(userId, s.holders.length);
      s.holders.push(userId);
      log.add(subscriptionStream(account.id, s.product), account.id, account.owner, 'LicenseAssigned', {
        accountId: account.id,
        product: s.product,
        planId: s.planId,
        userId,
      });
      return;
    }
  };

  const revoke = (s: SimSubscription, userId = pick(s.holders)) => {
    const at = s.holderIndex.get(userId) as number;
    const moved = s.holders.pop() as string;
    if (moved !== userId) {
      s.holders[at] = moved;
      s.holderIndex.set(moved, at);
    }
    s.holderIndex.delete(userId);
    log.add(subscriptionStream(s.account.id, s.product), s.account.id, s.account.owner, 'LicenseRevoked', {
      accountId: s.account.id,
      product: s.product,
      planId: s.planId,
      userId,
      reason: null,
    });
  };

  await openAccount(0, BIG_ACCOUNT_USERS, { VIDEO_MEETING: 60_000, WEBINAR: 20_000 });
  for (let i = 1; i <= SMALL_ACCOUNTS; i++) {
    await openAccount(
      i,
      5 + Math.floor(random() * 20),
      random() < 0.5 ? { VIDEO_MEETING: 10 } : { VIDEO_MEETING: 10, WEBINAR: 5 },
    );
  }

  while (log.count < TOTAL_EVENTS) {
    // Half the churn is in the big account: one admin assigning and revoking in bursts.
    const s = random() < 0.5 ? pick((accounts[0] as SimAccount).subscriptions) : pick(subscriptions);
    const roll = random();
    if (roll < 0.003) purchase(s, 5);
    else if (roll < 0.004) {
      const ladder = PLAN_LADDER[s.product];
      const next = ladder[ladder.indexOf(s.planId) + 1];
      if (next) {
        log.add(subscriptionStream(s.account.id, s.product), s.account.id, s.account.owner, 'PlanUpgraded', {
          accountId: s.account.id,
          product: s.product,
          fromPlanId: s.planId,
          toPlanId: next,
        });
        s.planId = next;
      }
    } else if (roll < 0.008) {
      const userId = pick(s.account.users);
      const previousRole = s.account.roles.get(userId) as Role;
      if (previousRole !== 'OWNER') {
        const role: Role = previousRole === 'ADMIN' ? 'MEMBER' : 'ADMIN';
        s.account.roles.set(userId, role);
        log.add(userStream(userId), s.account.id, s.account.owner, 'UserRoleChanged', { userId, role, previousRole });
      }
    } else if (roll < 0.009) {
      const userId = pick(s.account.users);
      if (userId !== s.account.owner && !s.account.inactive.has(userId)) {
        s.account.inactive.add(userId);
        for (const held of s.account.subscriptions) if (held.holderIndex.has(userId)) revoke(held, userId);
        log.add(userStream(userId), s.account.id, s.account.owner, 'UserDeactivated', { userId });
      }
    } else if (roll < 0.012) {
      await createUser(s.account, 'MEMBER');
    } else if (s.holders.length < s.purchased && (s.holders.length === 0 || random() < 0.6)) {
      assign(s);
    } else if (s.holders.length > 0) {
      revoke(s);
    }
    await log.flushIfFull();
  }
  await log.flush();
  await store.close();
  return { events: log.count, users: userSeq, accounts: accounts.length };
}

/**
 * The data dir a log bench works in, with the generated log in it: BENCH_DIR keeps both between runs (and shares
 * the log between bench:replay and bench:export); by default a temp dir that `cleanup` removes.
 */
export async function benchLogDir(prefix: string): Promise<{ dir: string; eventsFile: string; cleanup(): void }> {
  const keep = process.env.BENCH_DIR;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const cleanup = () => {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  };
  const eventsFile = path.join(dir, 'events.db');
  try {
    if (!keep || !fs.existsSync(eventsFile)) {
      fs.mkdirSync(dir, { recursive: true });
      const genStart = performance.now();
      const generated = await generateLog(eventsFile);
      console.log(
        `log: ${generated.events.toLocaleString('en')} events, ${generated.users.toLocaleString('en')} users, ` +
          `${generated.accounts.toLocaleString('en')} accounts ` +
          `(generated in ${((performance.now() - genStart) / 1000).toFixed(1)} s)`,
      );
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  return { dir, eventsFile, cleanup };
}
