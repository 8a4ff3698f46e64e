import { isSafeOwner } from "@copr/domain";
import { StoreError } from "./storeErrors.ts";
import { StorePart } from "./storePart.ts";
import { hashToken, newToken } from "./tokens.ts";
import type { User } from "./types.ts";

/** Users and their API tokens (stored hashed). */
export class Accounts extends StorePart {
  async createUser(name: string, admin = false): Promise<{ user: User; token: string }> {
    if (!isSafeOwner(name)) throw new StoreError("INVALID_NAME", `user name "${name}": use letters, digits, "_" and "-" (max 64)`);
    const user: User = { name, admin, createdAt: Date.now() };
    const created = await this.redis.hsetnx(this.keys.user(name), "json", JSON.stringify(user));
    if (created === 0) throw new StoreError("EXISTS", `user ${name} already exists`);
    await this.redis.zadd(this.keys.users(), user.createdAt, name);
    return { user, token: await this.issueToken(name) };
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
