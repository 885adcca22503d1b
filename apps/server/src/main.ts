#!/usr/bin/env node
import { startServer } from './app.js';
import { ConfigError, parseConfig } from './config.js';
import { StorePermissionError } from './storage/index.js';

/**
 * Everything this process creates is its owner's alone, whatever umask it was started with: the
 * data directory holds password and session hashes. (The store also fixes modes after opening,
 * for files made before or by others; this closes the window while LMDB creates its files.)
 */
process.umask(0o077);

/** Secrets are read once; child processes (the store's probe) need not inherit them. */
const SECRET_VARIABLES = ['QUORUM_CLUSTER_SECRET', 'QUORUM_ADMIN_TOKEN'];

/** `quorum-server`: one replicated chat server. See `--help`. */
async function main(): Promise<void> {
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
