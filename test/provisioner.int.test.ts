import { execFile } from "node:child_process";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { silentLogger } from "@copr/bus";
import { until } from "@copr/testkit";
import { CommandProvisioner, type CommandProvisionerConfig } from "../apps/worker/src/build/commandProvisioner.ts";
import { helloSpec, startStack } from "./stack.ts";

const run = promisify(execFile);
const PROVISIONER = fileURLToPath(new URL("../infra/worker/provisioner/", import.meta.url));

/** The shipped local-sshd provisioner (a fresh user and sshd per builder), its state in a directory of this test. */
async function localSshd(privateKey: string, extra: Partial<CommandProvisionerConfig> = {}): Promise<CommandProvisioner> {
  const state = await mkdtemp(join(tmpdir(), "copr-local-sshd-"));
  return new CommandProvisioner({
    name: "local", allocate: join(PROVISIONER, "local-sshd-allocate"), release: join(PROVISIONER, "local-sshd-release"),
    arches: ["x86_64"], slots: 2, privateKey, workDir: "copr-builds", idleMs: 60_000, allocateTimeoutMs: 60_000,
    env: { COPR_LOCAL_SSHD_STATE: state }, ...extra,
  }, silentLogger);
}

/** The builder a build ran on, from the first line of its log: `… on local-<id> (copr-<id>@127.0.0.1)`. */
async function builderOf(s: Awaited<ReturnType<typeof startStack>>, id: number): Promise<string> {
  const first = (await s.web.store.logs.readLog(`${id}-fedora-40-x86_64`)).flatMap((e) => e.lines)[0] ?? "";
  return /on (local-b[0-9a-f]{10}) \(copr-b[0-9a-f]{10}@127\.0\.0\.1\)$/.exec(first)?.[1] ?? `(no builder in: ${first})`;
}

async function userExists(name: string): Promise<boolean> {
  return await run("getent", ["passwd", name]).then(() => true, () => false);
}

describe("builders from a command provisioner", () => {
  it("builds on a fresh builder, reuses it only for the same owner and project, and releases every one", async () => {
    await using s = await startStack();
    const provisioner = await localSshd(s.sshd.privateKey.toString());
    const w = await s.worker("fedoraproject:copr-worker:p1", { provisioners: [provisioner] });

    const first = await s.submit(helloSpec());
    expect((await s.waitFinal(first))[0]?.state).toBe("succeeded");
    const second = await s.submit(helloSpec());
    expect((await s.waitFinal(second))[0]?.state).toBe("succeeded");
    const bob = await s.web.store.accounts.createUser("bob");
    await s.web.store.projects.createProject("bob", "hello", ["fedora-40-x86_64"]);
    const third = await s.submit(helloSpec(), { as: { token: bob.token, project: "bob/hello" } });
    expect((await s.waitFinal(third))[0]?.state).toBe("succeeded");

    const [b1, b2, b3] = [await builderOf(s, first), await builderOf(s, second), await builderOf(s, third)];
    expect(b1).toMatch(/^local-b/);
    expect(b2).toBe(b1);
    expect(b3).toMatch(/^local-b/);
    expect(b3).not.toBe(b1);
    const users = [b1, b3].map((b) => `copr-${b.slice("local-".length)}`);
    expect(await userExists(users[0] ?? "")).toBe(true);

    // The worker gives back what it holds when it stops: users, homes and sshds are gone.
    await w.close();
    for (const user of users) await until(async () => !(await userExists(user)), 30_000, `builder user ${user} to be removed`);
    expect(provisioner.idle).toBe(0);
  });

  it("fails the attempt with the allocate script's reason when no builder can be had", async () => {
    await using s = await startStack();
    const dir = await mkdtemp(join(tmpdir(), "copr-provisioner-"));
    const allocate = join(dir, "allocate");
    await writeFile(allocate, "#!/bin/sh\necho 'quota exceeded: no VM for '\"$COPR_BUILDER_OWNER/$COPR_BUILDER_PROJECT\" >&2\nexit 3\n");
    await chmod(allocate, 0o755);
    const provisioner = await localSshd(s.sshd.privateKey.toString(), { allocate });
    await s.worker("fedoraproject:copr-worker:p2", { provisioners: [provisioner] });
    const id = await s.submit(helloSpec());
    const [task] = await s.waitFinal(id);
    expect(task?.state).toBe("failed");
    expect(task?.reason).toMatch(/allocating a builder \(local\) failed: .*allocate exited with 3: quota exceeded: no VM for alice\/hello/);
  });
});
