#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --v8-pool-size=1
// The shebang's flags and environment are WHARFD_NODE_FLAGS and WHARFD_NODE_ENV (node-flags.ts): they keep the daemon lean.
// wharfd: parse flags and daemon.json, start the daemon, stop it cleanly on SIGTERM/SIGINT.
import { CommanderError } from 'commander';
import { mergeConfig, readConfigFile } from './config.js';
import { createLogger, startDaemon, wharfVersion } from './daemon.js';
import { parseFlags } from './flags.js';

async function main(): Promise<void> {
  const version = wharfVersion();
  let config;
  try {
    const flags = parseFlags(process.argv.slice(2), version);
    config = mergeConfig(flags.directives, readConfigFile(flags.configFile, flags.configFileExplicit));
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode); // commander already printed
    process.stderr.write(`wharfd: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  let daemon;
  try {
    daemon = await startDaemon(config, { logger });
  } catch (err) {
    logger.fatal({ err }, 'failed to start daemon');
    process.stderr.write(`failed to start daemon: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) {
      logger.warn({ signal: sig }, 'already shutting down; a third signal forces exit');
      if (signals >= 3) process.exit(130);
      return;
    }
    logger.info({ signal: sig }, 'signal received');
    daemon.stop().then(() => process.exit(0), (err) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

void main();
