// FilesystemSync: syncfs through one long-lived shell running coreutils' `sync -f`. The real `sync` flushes here; the
// failure paths put a stand-in `sync` first on PATH (a failing syncfs cannot be provoked on a healthy disk), which also
// records each call and the shell that made it.
import fs from 'node:fs';
import path from 'node:path';
import { FilesystemSync, FilesystemSyncFailed } from '../../src/notifications/filesystem-sync';
import { makeTempDir } from '../support/temp-dir';
import { eventually, standInSync } from './support';

describe('FilesystemSync', () => {
  const temp = makeTempDir();
  afterAll(temp.cleanup);
  const originalPath = process.env.PATH;
  // Each test's shells end with it, and its stand-in leaves PATH.
  const opened: FilesystemSync[] = [];
  afterEach(() => {
    for (const sync of opened.splice(0)) sync.close();
    process.env.PATH = originalPath;
  });

  const standIn = (name: string, seconds: number) => standInSync(path.join(temp.dir, name), seconds);
  const open = () => {
    const sync = new FilesystemSync(temp.dir);
    opened.push(sync);
    return sync;
  };

  it('flushes with the real sync -f', async () => {
    const sync = open();
    await expect(sync.flush()).resolves.toBeUndefined();
    await expect(sync.flush()).resolves.toBeUndefined();
  });

  it('runs every flush in one shell, on the path it was given', async () => {
    const stub = standIn('one-shell', 0);
    const sync = open();
    for (let i = 0; i < 3; i++) await sync.flush();
    const calls = stub.calls();
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((call) => call.split(' ')[0])).size).toBe(1);
    expect(calls.every((call) => call.endsWith(` ${temp.dir}`))).toBe(true);
  });

  it('lets the flushes asked for while one runs share the next', async () => {
    const stub = standIn('shared', 0.3);
    const sync = open();
    const first = sync.flush();
    const later = [sync.flush(), sync.flush(), sync.flush()];
    await Promise.all([first, ...later]);
    expect(stub.calls()).toHaveLength(2);
  });

  it('rejects when sync fails, and flushes again once it works', async () => {
    const stub = standIn('failing', 0);
    const sync = open();
    stub.exitWith(1);
    await expect(sync.flush()).rejects.toThrow(FilesystemSyncFailed);
    stub.exitWith(0);
    await expect(sync.flush()).resolves.toBeUndefined();
  });

  it('fails the flush in flight when its shell dies, and starts another for the next', async () => {
    const stub = standIn('dying', 5);
    const sync = open();
    const flushing = sync.flush();
    await eventually(() => expect(stub.calls()).toHaveLength(1));
    const shell = Number(stub.calls()[0]?.split(' ')[0]);
    process.kill(shell, 'SIGKILL');
    await expect(flushing).rejects.toThrow(/sync shell ended/);
    fs.writeFileSync(path.join(temp.dir, 'dying', 'sync'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    await expect(sync.flush()).resolves.toBeUndefined();
  });
});
