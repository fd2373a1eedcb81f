// docker-compose.yml must stay valid: Debian's docker-compose validates it without a Docker engine. Beyond that: the
// EventStoreDB image is pinned to a release with the server fixes the adapter relies on, and each node's healthcheck
// (run here by a shell against a local HTTP server answering as a node would) says healthy only once there is a leader.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const available = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
// CI installs docker-compose (.ci/run); elsewhere the check runs where the tool is.
const maybe = available || process.env.CI ? it : it.skip;

const EVENTSTORE_SERVICES = ['eventstore', 'esdb-node1', 'esdb-node2', 'esdb-node3'];
const API_SERVICES: Record<string, string[]> = {
  api: ['eventstore'],
  'api-1': ['esdb-node1', 'esdb-node2', 'esdb-node3'],
  'api-2': ['esdb-node1', 'esdb-node2', 'esdb-node3'],
};
// The first release with both fixes: KDB-710 (24.10.5) and the join that never answers (24.10.14).
const FIXED_IN = [24, 10, 14];

interface Service {
  image?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

function compose(...args: string[]): string {
  return execFileSync('docker-compose', ['-f', 'docker-compose.yml', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, EVENTSTORE_IMAGE: '' },
  });
}

/** The resolved cluster-profile config as data. Debian's docker-compose 1.x has no JSON output; its own Python
 *  runs on /usr/bin/python3 with PyYAML (a dependency of the package), so that reads the YAML it printed. */
function resolvedServices(): Record<string, Service> {
  const json = execFileSync(
    '/usr/bin/python3',
    ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
    { input: compose('--profile', 'cluster', 'config'), encoding: 'utf8' },
  );
  return (JSON.parse(json) as { services: Record<string, Service> }).services;
}

function versionOf(image: string): number[] {
  const tag = /:(\d+)\.(\d+)\.(\d+)$/.exec(image);
  if (!tag) throw new Error(`${image} is not pinned to a release (major.minor.patch)`);
  return tag.slice(1).map(Number);
}

function atLeast(version: number[], floor: number[]): boolean {
  for (let i = 0; i < floor.length; i++) {
    if ((version[i] ?? 0) !== (floor[i] ?? 0)) return (version[i] ?? 0) > (floor[i] ?? 0);
  }
  return true;
}

/** Runs a healthcheck's CMD-SHELL line against a node answering /health/live with `live` and /info with `state`. */
async function healthcheckPasses(command: string, live: number, state: string): Promise<boolean> {
  const node = http.createServer((request, response) => {
    if (request.url === '/health/live') return void response.writeHead(live).end();
    if (request.url === '/info') {
      // Indented as the server's JSON codec writes it.
      return void response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ esVersion: '24.10.14.0', state, features: { projections: true } }, null, 2));
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  const { port } = node.address() as AddressInfo;
  try {
    const local = command.replaceAll('http://localhost:2113', `http://127.0.0.1:${port}`);
    expect(local).not.toBe(command);
    return await new Promise<boolean>((resolve) => {
      const shell = spawn('sh', ['-c', local], { stdio: 'ignore' });
      shell.on('exit', (code) => resolve(code === 0));
    });
  } finally {
    await new Promise((resolve) => node.close(resolve));
  }
}

describe('docker-compose.yml', () => {
  maybe('validates, default and cluster profile', () => {
    compose('config', '-q');
    const services = compose('--profile', 'cluster', 'config', '--services').split('\n').filter(Boolean);
    expect(services).toEqual(
      expect.arrayContaining([
        'eventstore',
        'api',
        'mailpit',
        'esdb-node1',
        'esdb-node2',
        'esdb-node3',
        'api-1',
        'api-2',
      ]),
    );
    const config = compose('config');
    expect(config).toContain('EVENTSTORE_CONNECTION_STRING: esdb://eventstore:2113?tls=false');
    expect(config).toContain('HOST: 0.0.0.0');
  });

  maybe('pins every EventStoreDB node to a release carrying both server fixes (24.10.14 or later)', () => {
    const services = resolvedServices();
    for (const name of EVENTSTORE_SERVICES) {
      const image = services[name]?.image ?? '';
      expect(`${name}: ${image}`).toMatch(/: eventstore\/eventstore:/);
      expect({ name, image, fixed: atLeast(versionOf(image), FIXED_IN) }).toEqual({ name, image, fixed: true });
    }
    expect(atLeast([24, 10, 4], FIXED_IN)).toBe(false);
    expect(atLeast([25, 0, 0], FIXED_IN)).toBe(true);
  });

  maybe('starts the APIs only once their EventStoreDB nodes are healthy', () => {
    const services = resolvedServices();
    for (const [api, nodes] of Object.entries(API_SERVICES)) {
      for (const node of nodes) {
        expect({ api, node, condition: services[api]?.depends_on?.[node]?.condition }).toEqual({
          api,
          node,
          condition: 'service_healthy',
        });
      }
    }
  });

  maybe('says healthy only for a live node in a cluster with a leader (leader or follower)', async () => {
    const services = resolvedServices();
    for (const name of EVENTSTORE_SERVICES) {
      const [kind, command] = services[name]?.healthcheck?.test ?? [];
      expect([name, kind]).toEqual([name, 'CMD-SHELL']);
      const check = command ?? '';
      expect(await healthcheckPasses(check, 204, 'leader')).toBe(true);
      expect(await healthcheckPasses(check, 204, 'follower')).toBe(true);
      // Node states before an election has finished, or of a node that is not (yet) part of the cluster.
      for (const state of ['unknown', 'initializing', 'discoverleader', 'preleader', 'catchingup', 'clone']) {
        expect([state, await healthcheckPasses(check, 204, state)]).toEqual([state, false]);
      }
      expect(await healthcheckPasses(check, 503, 'leader')).toBe(false);
    }
  });
});
