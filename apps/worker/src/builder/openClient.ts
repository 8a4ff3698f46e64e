import { Client } from "ssh2";
import { normalizeFingerprint, sshFingerprint } from "./hostKey.ts";
import { SshError, fromConnectionError } from "./sshErrors.ts";

/** Where and as whom to log in (a BuilderHostConfig is one). */
export interface SshTarget {
  /** Name in error messages. */
  name: string;
  host: string;
  port: number;
  user: string;
  /** Private key, OpenSSH or PEM, unencrypted. */
  privateKey: string | Buffer;
  /** Pinned host key fingerprint, `SHA256:...` as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
}

export interface ConnectOptions {
  /** Time for TCP connect, handshake and authentication, ms. Default 20 000. */
  timeoutMs?: number;
  /** Interval of SSH keepalive requests, ms; 0 disables them. Default 15 000. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives after which the connection counts as lost. Default 4. */
  keepaliveCountMax?: number;
  /** Receives ssh2's protocol trace (very verbose); default: none. */
  debug?: (message: string) => void;
}

/**
 * Opens an authenticated ssh2 connection to a builder host. The host key is
 * checked in ssh2's hostVerifier, during key exchange: a host that presents
 * another key than the pinned one is dropped before the worker sends its
 * user name or key, and the failure is HOST_KEY_MISMATCH.
 *
 * The listeners stay attached (inert once settled) so the connection always
 * has an 'error' listener until the session adds its own.
 */
export async function openClient(config: SshTarget, options: ConnectOptions): Promise<Client> {
  const where = `builder host ${config.name} (${config.user}@${config.host}:${config.port})`;
  const pinned = normalizeFingerprint(config.hostKeyFingerprint);
  const client = new Client();
  let presented: string | undefined;
  return await new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (error: SshError): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(error);
    };
    client.on("error", (err) => {
      if (presented !== undefined && presented !== pinned) {
        fail(new SshError(
          "HOST_KEY_MISMATCH",
          `${where} presented host key ${presented} but the worker pins ${pinned}. ` +
            "Refusing to log in. Check that this is the right host (and whether its key was regenerated), " +
            "then update hostKeyFingerprint in the worker config.",
          { level: "handshake", cause: err },
        ));
        return;
      }
      fail(fromConnectionError(err, "connect", where));
    });
    client.on("close", () => fail(fromConnectionError(new Error("connection closed during login"), "connect", where)));
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      resolve(client);
    });
    try {
      client.connect({
        host: config.host,
        port: config.port,
        username: config.user,
        privateKey: config.privateKey,
        readyTimeout: options.timeoutMs ?? 20_000,
        keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: options.keepaliveCountMax ?? 4,
        debug: options.debug,
        hostVerifier: (key: Buffer): boolean => {
          presented = sshFingerprint(key);
          return presented === pinned;
        },
      });
    } catch (err) {
      // ssh2 parses the private key synchronously.
      fail(new SshError("AUTH_FAILED", `${where}: the configured private key cannot be used: ${String(err)}`, { level: "config", cause: err }));
    }
  });
}
