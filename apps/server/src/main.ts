#!/usr/bin/env node
import { StartRefused, startServer } from './app.js';
import { ConfigError, parseConfig, parseInitConfig } from './config.js';
import { DurableStore, StoreError, StoreExistsError, StorePermissionError } from './storage/index.js';

/**
 * Everything this process creates is its owner's alone, whatever umask it was started with: the
 * data directory holds password and session hashes. (The store also fixes modes after opening,
 * for files made before or by others; this closes the window while LMDB creates its files.)
 */
process.umask(0o077);

/** Secrets are read once; child processes (the store's probe) need not inherit them. */
const SECRET_VARIABLES = ['QUORUM_CLUSTER_SECRET', 'QUORUM_ADMIN_TOKEN'];

/**
 * `quorum-server init --data-dir D --id N --cluster-id X`: makes the store a server of a NEW
 * cluster starts with (a voter of incarnation 0 in cluster X). Run once per server, with the
 * same X, before the cluster's first start; it refuses a directory that already holds a store.
 */
async function init(argv: readonly string[]): Promise<void> {
  let config: ReturnType<typeof parseInitConfig>;
  try {
    config = parseInitConfig(argv);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error((error as Error).message);
      process.exit(2);
    }
    throw error;
  }
  try {
    const store = await DurableStore.init(
      config.dataDir,
      { clusterId: config.clusterId, replicaId: config.id, incarnation: 0, recovering: false },
      { allowSharedDir: config.allowSharedDataDir },
    );
    await store.close();
  } catch (error) {
    if (error instanceof StoreExistsError) {
      console.error(
        `quorum-server init: refused: ${config.dataDir} already holds a store. init only makes the stores ` +
          'of a new cluster; a server with a store just starts. (A store is never replaced: to rejoin ' +
          'with an empty store, move the directory away and start the server without init; it recovers.)',
      );
      process.exit(1);
    }
    if (error instanceof StoreError) {
      console.error(`quorum-server init: refused: ${error.message}`);
      process.exit(error instanceof StorePermissionError ? 2 : 1);
    }
    throw error;
  }
  console.log(`quorum-server init: server ${config.id} of cluster ${config.clusterId} in ${config.dataDir}`);
}

/** `quorum-server`: one replicated chat server. See `--help`. */
async function main(): Promise<void> {
  if (process.argv[2] === 'init') return init(process.argv.slice(3));
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error((error as Error).message);
      process.exit(2);
    }
    throw error;
  }
  for (const name of SECRET_VARIABLES) delete process.env[name];
  for (const warning of config.warnings) console.error(`quorum-server: warning: ${warning}`);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config);
  } catch (error) {
    if (error instanceof StorePermissionError) {
      console.error(
        `quorum-server: ${error.message}\n` +
          'Start with --allow-shared-data-dir if other users are meant to access it.',
      );
      process.exit(2);
    }
    if (error instanceof StartRefused) {
      console.error(`quorum-server: ${error.message}`);
      process.exit(2);
    }
    if (error instanceof StoreError && (error.code === 'corrupt' || error.code === 'format')) {
      console.error(
        `quorum-server: the store cannot be used: ${error.message}\n` +
          'It is never replaced silently. Keep it for diagnosis: stop here, move the directory away ' +
          `(mv ${config.dataDir} ${config.dataDir}.damaged), and start the server again: it makes a new ` +
          'store and recovers from a majority of the other servers before it votes (docs/security.md).',
      );
      process.exit(1);
    }
    throw error;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Tests and `npm start` wait for this line to learn the address, and may signal the process
  // the moment they read it: the handlers above must be in place first.
  console.log(`QUORUM_SERVER_LISTENING ${config.id} ${server.url}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
