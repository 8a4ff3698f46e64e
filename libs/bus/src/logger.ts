import pino from "pino";

/** The narrow logging interface the bus needs; pino satisfies it, tests can pass a plain object. */
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function defaultLogger(name: string): BusLogger {
  return pino({ name, level: "info" }, pino.destination(2));
}

export const silentLogger: BusLogger = { debug() {}, info() {}, warn() {}, error() {} };
