import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "@copr/bus";
import { until } from "@copr/testkit";
import { CommandProvisioner, publicKeyLine } from "./commandProvisioner.ts";

const FINGERPRINT = `SHA256:${"A".repeat(43)}`;

/** allocate/release scripts that record each call in calls.log; allocate prints a new builder each time. */
async function scripts(allocateBody?: string): Promise<{ dir: string; privateKey: string; calls(): Promise<string[]> }> {
  const dir = await mkdtemp(join(tmpdir(), "copr-prov-test-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "key")]);
  await writeFile(join(dir, "allocate"), allocateBody ?? `#!/bin/sh
n=$(($(cat "${dir}/n" 2>/dev/null || echo 0) + 1)); echo $n > "${dir}/n"
echo "allocate b$n $COPR_BUILDER_OWNER/$COPR_BUILDER_PROJECT/$COPR_BUILDER_ARCH $COPR_BUILDER_TASK $COPR_BUILDER_AUTHORIZED_KEY" >> "${dir}/calls.log"
echo "some chatter first"
echo '{"id":"b'$n'","host":"10.0.0.'$n'","port":2200,"user":"mockbuilder","host_key_fingerprint":"${FINGERPRINT}"}'
`);
  await writeFile(join(dir, "release"), `#!/bin/sh\necho "release $1" >> "${dir}/calls.log"\n`);
  await chmod(join(dir, "allocate"), 0o755);
  await chmod(join(dir, "release"), 0o755);
  return {
    dir,
    privateKey: await readFile(join(dir, "key"), "utf8"),
    calls: async () => (await readFile(join(dir, "calls.log"), "utf8").catch(() => "")).split("\n").filter((l) => l !== ""),
  };
}

function provisioner(s: { dir: string; privateKey: string }, extra: { slots?: number; idleMs?: number } = {}): CommandProvisioner {
  return new CommandProvisioner({
    name: "vm", allocate: join(s.dir, "allocate"), release: join(s.dir, "release"), arches: ["x86_64"], slots: extra.slots ?? 2,
    privateKey: s.privateKey, workDir: "copr-builds", idleMs: extra.idleMs ?? 60_000, allocateTimeoutMs: 10_000,
  }, silentLogger);
}

const req = (owner: string, project: string, task = "1-f40@0") => ({ arch: "x86_64", owner, project, task });

describe("CommandProvisioner", () => {
  it("allocates a builder per owner and project, reuses it for the same ones, and hands allocate the worker's public key", async () => {
    const s = await scripts();
    const p = provisioner(s);
    const a = p.claim(req("alice", "hello"));
    const hostA = await a?.builder();
    expect(hostA).toMatchObject({ name: "vm-b1", host: "10.0.0.1", port: 2200, user: "mockbuilder", hostKeyFingerprint: FINGERPRINT, workDir: "copr-builds", slots: 1 });
    await a?.release(true);
    expect(p.idle).toBe(1);
    // Same owner and project: the same builder.
    const again = p.claim(req("alice", "hello", "2-f40@0"));
    expect((await again?.builder())?.name).toBe("vm-b1");
    await again?.release(true);
    // Another project of the same owner: a fresh one.
    const other = p.claim(req("alice", "other"));
    expect((await other?.builder())?.name).toBe("vm-b2");
    await other?.release(false);
    expect(p.idle).toBe(1);
    await p.close();
    expect(p.idle).toBe(0);
    const calls = await s.calls();
    expect(calls[0]).toBe(`allocate b1 alice/hello/x86_64 1-f40@0 ${publicKeyLine(s.privateKey)}`);
    expect(calls.slice(1)).toEqual([`allocate b2 alice/other/x86_64 1-f40@0 ${publicKeyLine(s.privateKey)}`, "release b2", "release b1"]);
    expect(publicKeyLine(s.privateKey)).toBe((await readFile(join(s.dir, "key.pub"), "utf8")).split(" ").slice(0, 2).join(" "));
  });

  it("counts idle builders against its slots and releases another tenant's idle builder first", async () => {
    const s = await scripts();
    const p = provisioner(s, { slots: 1 });
    const a = p.claim(req("alice", "hello"));
    expect(p.claim(req("bob", "hello"))).toBeUndefined();
    expect(p.claim({ ...req("bob", "hello"), arch: "aarch64" })).toBeUndefined();
    await a?.builder();
    await a?.release(true);
    const b = p.claim(req("bob", "hello"));
    expect((await b?.builder())?.name).toBe("vm-b2");
    expect(await s.calls()).toEqual([expect.stringMatching(/^allocate b1 /), "release b1", expect.stringMatching(/^allocate b2 /)]);
    await b?.release(true);
    await b?.release(true);
    await p.close();
  });

  it("releases an idle builder when nobody of its owner and project came back in time", async () => {
    const s = await scripts();
    const p = provisioner(s, { idleMs: 50 });
    const a = p.claim(req("alice", "hello"));
    await a?.builder();
    await a?.release(true);
    await until(async () => (await s.calls()).includes("release b1"), 10_000, "the idle builder to be released");
    expect(p.idle).toBe(0);
    await p.close();
  });

  it("says what allocate printed when it is not a builder", async () => {
    const s = await scripts("#!/bin/sh\necho '{\"id\":\"../x\",\"host\":\"h\",\"user\":\"root\",\"host_key_fingerprint\":\"nope\"}'\n");
    const p = provisioner(s);
    const a = p.claim(req("alice", "hello"));
    await expect(a?.builder()).rejects.toThrow(/must print one JSON object .*id.*user.*host_key_fingerprint/s);
    await a?.release(false);
    expect(p.claim(req("alice", "hello"))).toBeDefined();
    await p.close();
  });
});
