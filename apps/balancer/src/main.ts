#!/usr/bin/env node
import { createBalancer } from './app.js';
import { parseConfig } from './config.js';
import { listeningUrl } from './listen-url.js';

/**
 * The balancer process. Prints one JSON log line with the URL once listening, plus the line
 * `QUORUM_BALANCER_LISTENING <url>` on stdout so scripts and tests can find a port chosen with
 * `--port 0`. SIGINT/SIGTERM close it gracefully (exit 0).
 */

const parsed = parseConfig(process.argv.slice(2), process.env);
if (parsed.kind === 'help') {
  process.stdout.write(parsed.text);
  process.exit(0);
}
if (parsed.kind === 'error') {
  process.stderr.write(`quorum-balancer: ${parsed.message}\nRun with --help for the options.\n`);
  process.exit(2);
}
const config = parsed.config;
for (const warning of parsed.warnings) process.stderr.write(`quorum-balancer: warning: ${warning}\n`);
// Read once; nothing this process starts needs to inherit it.
delete process.env.QUORUM_CLUSTER_SECRET;

const app = createBalancer({
  servers: config.servers,
  clusterSecret: config.clusterSecret,
  balancerId: config.balancerId,
  heartbeatMs: config.heartbeatMs,
  deadAfterMs: config.deadAfterMs,
  webDir: config.webDir,
  logger: { level: config.logLevel },
});

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) process.exit(1); // a second signal: stop waiting
  stopping = true;
  app.log.info({ signal }, 'balancer shutting down');
  setTimeout(() => {
    app.log.error('shutdown took too long; exiting');
    process.exit(1);
  }, 5_000).unref();
  app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      app.log.error({ err: error }, 'error while shutting down');
      process.exit(1);
    },
  );
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  app.log.fatal({ err: error }, 'balancer failed to start');
  process.exit(1);
}
const url = listeningUrl(app.server.address());
app.log.info(
  {
    url,
    balancerId: config.balancerId,
    servers: config.servers,
    heartbeatMs: config.heartbeatMs,
    deadAfterMs: config.deadAfterMs,
  },
  'balancer listening',
);
process.stdout.write(`QUORUM_BALANCER_LISTENING ${url}\n`);
