// Read model `users`: accounts and their user directory (searchable by name or e-mail), with the licences each holds
// (which also lists each subscription's holders).
import { defineProjection } from '../../src/projection-runtime/define';

export const usersProjection = defineProjection({
  name: 'users',
  // 2: accounts lost created_at, which nothing read. 3: users have a status (INVITED, ACTIVE, DEACTIVATED).
  // 4: a licence's log position, and its holders listed from here (subscriptions no longer keeps a copy); the plan a
  // licence grants is read from subscriptions (license_plans was a copy).
  version: 4,
  tables: [
    `CREATE TABLE accounts (
      account_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      owner_user_id TEXT NOT NULL
    ) WITHOUT ROWID`,
    // The user count per account, kept as users arrive: counting 100,000 index entries per page would be slow.
    `CREATE TABLE account_user_counts (
      account_id TEXT PRIMARY KEY,
      users INTEGER NOT NULL
    ) WITHOUT ROWID`,
    // seq is the rowid the search index points at; it follows log order, so a rebuild gives the same values.
    `CREATE TABLE users (
      seq INTEGER PRIMARY KEY,
      user_id TEXT NOT NULL UNIQUE,
      account_id TEXT NOT NULL,
      email TEXT NOT NULL,
      email_lower TEXT NOT NULL,
      name TEXT NOT NULL,
      name_lower TEXT NOT NULL,
      role TEXT NOT NULL,
      active INTEGER NOT NULL,
      status TEXT NOT NULL DEFAULT 'ACTIVE',
      created_at TEXT NOT NULL
    )`,
    // Substring search by name or e-mail, case- and accent-insensitive, from three characters on.
    `CREATE VIRTUAL TABLE users_search USING fts5(
      name, email, content='users', content_rowid='seq', tokenize='trigram remove_diacritics 1'
    )`,
    // Live, a trigger keeps the search index in step; a rebuild defers it and indexes every user at once (afterRebuild).
    `CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
      INSERT INTO users_search (rowid, name, email) VALUES (new.seq, new.name, new.email);
    END`,
    'CREATE INDEX users_in_order ON users (account_id, created_at, user_id)',
    // Searches of one or two characters cannot use trigrams: they match the start of the name or the e-mail.
    'CREATE INDEX users_by_name ON users (account_id, name_lower)',
    'CREATE INDEX users_by_email ON users (account_id, email_lower)',
    // Each licence held, once: a user's licences by the key, a subscription's holders by user_licenses_in_order.
    `CREATE TABLE user_licenses (
      user_id TEXT NOT NULL,
      product TEXT NOT NULL,
      account_id TEXT NOT NULL,
      assigned_at TEXT NOT NULL,
      assigned_by TEXT NOT NULL,
      position TEXT NOT NULL,
      PRIMARY KEY (user_id, product)
    ) WITHOUT ROWID`,
    // A subscription's holders in the order their licences were assigned: the log position is unique and stable.
    'CREATE INDEX user_licenses_in_order ON user_licenses (account_id, product, position)',
  ],
  afterRebuild: [`INSERT INTO users_search (users_search) VALUES ('rebuild')`],
  handlers: {
    AccountOpened: (db, e) =>
      db.run(
        'INSERT OR IGNORE INTO accounts (account_id, name, owner_user_id) VALUES (?, ?, ?)',
        e.data.accountId,
        e.data.name,
        e.data.ownerUserId,
      ),
    UserCreated: (db, e) => {
      const email = e.data.email;
      const name = e.data.name;
      const inserted = db.run(
        `INSERT INTO users (user_id, account_id, email, email_lower, name, name_lower, role, active, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
        e.data.userId,
        e.data.accountId,
        email,
        // Read defensively: a payload is what was stored, whatever its type says.
        (e.data.emailNormalized ?? email).toLowerCase(),
        name,
        name.toLowerCase(),
        e.data.role,
        e.metadata.occurredAt,
      );
      if (inserted > 0) db.tally('account_user_counts', { account_id: e.data.accountId }, { users: 1 });
    },
    UserRoleChanged: (db, e) => db.run('UPDATE users SET role = ? WHERE user_id = ?', e.data.role, e.data.userId),
    UserDeactivated: (db, e) =>
      db.run(`UPDATE users SET active = 0, status = 'DEACTIVATED' WHERE user_id = ?`, e.data.userId),
    // Always right after the user's UserCreated; an invited user is active until the invitation lapses.
    UserInvited: (db, e) =>
      db.run(`UPDATE users SET status = 'INVITED' WHERE user_id = ? AND active = 1`, e.data.userId),
    UserActivated: (db, e) =>
      db.run(`UPDATE users SET status = 'ACTIVE' WHERE user_id = ? AND active = 1`, e.data.userId),
    LicenseAssigned: (db, e) =>
      db.run(
        `INSERT OR IGNORE INTO user_licenses (user_id, product, account_id, assigned_at, assigned_by, position)
         VALUES (?, ?, ?, ?, ?, ?)`,
        e.data.userId,
        e.data.product,
        e.data.accountId,
        e.metadata.occurredAt,
        e.metadata.actorId,
        e.position,
      ),
    LicenseRevoked: (db, e) =>
      db.run('DELETE FROM user_licenses WHERE user_id = ? AND product = ?', e.data.userId, e.data.product),
  },
});
