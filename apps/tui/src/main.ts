#!/usr/bin/env node
/**
 * `quorum-chat` entry point. Ink decides at import time (package `is-in-ci`) that a process with
 * `CI` or `CONTINUOUS_INTEGRATION` set is a build log: it then draws nothing until the app exits,
 * which leaves an interactive chat blank. This client refuses to run without a terminal, so it
 * is never a build log: drop those variables before Ink is loaded, then start.
 */

for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[name];

const { run } = await import('./run.js');
run();
