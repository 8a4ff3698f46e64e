import { isSafeOwner } from "@copr/domain";
import { StoreError } from "./storeErrors.ts";
import { StorePart } from "./storePart.ts";
import { hashToken, newApiLogin, newToken } from "./tokens.ts";
import type { User } from "./types.ts";

/** Users and their API tokens (stored hashed). */
export class Accounts extends StorePart {
  /** A new user with its first API token and its API login (both shown once by the caller). */
  async createUser(name: string, admin = false): Promise<{ user: User; token: string; login: string }> {
    if (!isSafeOwner(name)) throw new StoreError("INVALID_NAME", `user name "${name}": use letters, digits, "_" and "-" (max 64)`);
    const user: User = { name, admin, createdAt: Date.now() };
    const created = await this.redis.hsetnx(this.keys.user(name), "json", JSON.stringify(user));
    if (created === 0) throw new StoreError("EXISTS", `user ${name} already exists`);
    await this.redis.zadd(this.keys.users(), user.createdAt, name);
    return { user, token: await this.issueToken(name), login: await this.apiLogin(name) };
  }

  /**
   * The user's API login, the user part of `login:token` in Copr's Basic
   * auth (copr-cli's `login`); created on first use, then fixed.
   */
  async apiLogin(name: string): Promise<string> {
    const existing = await this.redis.hget(this.keys.user(name), "login");
    if (existing !== null) return existing;
    for (;;) {
      const login = newApiLogin();
      if ((await this.redis.set(this.keys.apiLogin(login), name, "NX")) !== "OK") continue;
      if ((await this.redis.hsetnx(this.keys.user(name), "login", login)) === 1) return login;
      // Another request gave the user a login first: keep that one.
      await this.redis.del(this.keys.apiLogin(login));
      return (await this.redis.hget(this.keys.user(name), "login")) ?? login;
    }
  }

  /** The user of an API login and token (Basic auth), or null when either is wrong or they belong to different users. */
  async authenticateLogin(login: string, token: string): Promise<User | null> {
    const [name, user] = await Promise.all([this.redis.get(this.keys.apiLogin(login)), this.authenticate(token)]);
    return name !== null && user !== null && user.name === name ? user : null;
  }

  async issueToken(userName: string): Promise<string> {
    const { token, sha256 } = newToken("user");
    await this.redis.set(this.keys.token(sha256), userName);
    return token;
  }

  async getUser(name: string): Promise<User | null> {
    const json = await this.redis.hget(this.keys.user(name), "json");
    return json === null ? null : (JSON.parse(json) as User);
  }

  /** The user a token belongs to, or null. */
  async authenticate(token: string): Promise<User | null> {
    const name = await this.redis.get(this.keys.token(hashToken(token)));
    return name === null ? null : await this.getUser(name);
  }
}
