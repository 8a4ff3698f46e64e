import type { BusLogger } from "@copr/bus";

export interface Closeable {
  close(): Promise<void> | void;
}

/**
 * Runs a long-lived component: starts it, logs a configuration error as one
 * clear message (exit 2), and on SIGINT/SIGTERM closes it once (exit 0; a
 * second signal exits at once).
 */
export function runService(name: string, log: BusLogger, start: () => Promise<Closeable>): void {
  let service: Closeable | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, `${name} stopping`);
    Promise.resolve(service?.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error({ err: String(error) }, `${name} did not close cleanly`);
        process.exit(1);
      });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  start().then(
    (s) => {
      service = s;
      if (stopping) void Promise.resolve(s.close()).then(() => process.exit(0));
    },
    (error: unknown) => {
      const isConfig = error instanceof Error && error.name === "ConfigError";
      if (isConfig) process.stderr.write(`${error.message}\n`);
      else log.error({ err: error instanceof Error ? error.stack : String(error) }, `${name} failed to start`);
      process.exit(isConfig ? 2 : 1);
    },
  );
}
