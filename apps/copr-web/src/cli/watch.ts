import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../api/router.ts";
import type { CoprClient } from "./client.ts";

type WatchItem = inferRouterOutputs<AppRouter>["builds"]["watch"] extends AsyncIterable<infer T> ? T : never;
/** `{type:"task", task, from, to}` or `{type:"log", task, attempt, lines}`. */
export type WatchEvent = WatchItem extends { data: infer D } ? D : never;

export interface WatchHandlers {
  onEvent(event: WatchEvent): void;
  /** The connection dropped; the link reconnects by itself and resumes after the last event. */
  onReconnecting?(error: Error): void;
  /** Connected (again) after onReconnecting. */
  onReconnected?(): void;
}

export type WatchOutcome = "finished" | "timeout";

/**
 * Follows `builds.watch` until every task of the build is final (the server
 * ends the stream) or `timeoutMs` passes. Drops are survived by the SSE
 * link, which resumes with the last event id; an error from the server
 * (e.g. bad input) rejects.
 */
export function followBuild(client: CoprClient, id: number, handlers: WatchHandlers, options: { timeoutMs?: number } = {}): Promise<WatchOutcome> {
  return new Promise<WatchOutcome>((resolve, reject) => {
    let settled = false;
    let reconnecting = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const sub = client.builds.watch.subscribe({ id }, {
      onData: (item) => handlers.onEvent(item.data),
      onError: (error) => settle(() => reject(error)),
      onComplete: () => settle(() => resolve("finished")),
      onConnectionStateChange: (state) => {
        if (state.state === "connecting" && state.error !== null && !reconnecting) {
          reconnecting = true;
          handlers.onReconnecting?.(state.error);
        } else if (state.state === "pending" && reconnecting) {
          reconnecting = false;
          handlers.onReconnected?.();
        }
      },
    });
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        settle(() => resolve("timeout"));
        sub.unsubscribe();
      }, options.timeoutMs);
    }
  });
}
