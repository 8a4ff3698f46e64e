// copr-web admin: direct administration on the server host (Redis access needed).
//   copr-web-admin create-user NAME [--admin]   creates a user and prints its API login, token and client config
//   copr-web-admin new-token NAME                prints a new API token for a user, with the client config
import { parseArgs } from "node:util";
import { Store, StoreError } from "@copr/store";
import { ConfigError, redisTarget } from "@copr/config";
import { loadWebConfig } from "../config.ts";

const usage = "usage: copr-web-admin create-user NAME [--admin] | new-token NAME";

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { admin: { type: "boolean", default: false }, help: { type: "boolean", default: false } } });
  const [command, name] = positionals;
  if (values.help || command === undefined || name === undefined) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const config = loadWebConfig();
  const store = new Store({ ...redisTarget(config), prefix: config.redisPrefix });
  const url = config.publicUrl ?? `http://${config.host}:${config.port}`;
  try {
    switch (command) {
      case "create-user": {
        const { user, token, login } = await store.accounts.createUser(name, values.admin);
        process.stdout.write(`created ${user.admin ? "admin " : ""}user ${user.name}\ntoken: ${token}\nlogin: ${login}\n\n${clientConfig(url, user.name, login, token)}`);
        return 0;
      }
      case "new-token": {
        if ((await store.accounts.getUser(name)) === null) throw new StoreError("NOT_FOUND", `no user ${name}`);
        const [token, login] = [await store.accounts.issueToken(name), await store.accounts.apiLogin(name)];
        process.stdout.write(`token: ${token}\nlogin: ${login}\n\n${clientConfig(url, name, login, token)}`);
        return 0;
      }
      default:
        process.stderr.write(`unknown command ${command}\n${usage}\n`);
        return 2;
    }
  } finally {
    await store.close();
  }
}

/** ~/.config/copr for both `copr` and Copr's own copr-cli (which refuses http:// unless `encrypted = False`). */
function clientConfig(url: string, username: string, login: string, token: string): string {
  const lines = ["[copr-cli]", `copr_url = ${url}`, `login = ${login}`, `username = ${username}`, `token = ${token}`];
  if (url.startsWith("http://")) lines.push("# copr-cli needs this for a plain-http server:", "encrypted = False");
  return `put this into ~/.config/copr (copr and copr-cli read it):\n${lines.join("\n")}\n`;
}

main().then((code) => process.exit(code), (error: unknown) => {
  if (error instanceof StoreError || error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  process.stderr.write(`copr-web-admin: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
