import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { rpmbuild } from "@copr/testkit";
import { ProjectKeys, signRpms } from "@copr/sign";

const run = promisify(execFile);

const spec = `Name: signed
Version: 1.0
Release: 1
Summary: test
License: MIT
BuildArch: noarch
%description
test
%files
`;

/** `rpm -K` against an rpm database that trusts only `keys`: exit code and output. */
async function check(rpm: string, keys: readonly string[]): Promise<{ ok: boolean; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), "copr-rpmdb-"));
  await run("rpm", ["--dbpath", dir, "--initdb"]);
  for (const [i, key] of keys.entries()) {
    const file = join(dir, `key${i}.asc`);
    await writeFile(file, key);
    await run("rpm", ["--dbpath", dir, "--import", file]);
  }
  return await run("rpm", ["--dbpath", dir, "-K", rpm]).then((r) => ({ ok: true, out: r.stdout }), (e: { stdout?: string }) => ({ ok: false, out: e.stdout ?? "" }));
}

describe("project keys and package signing (gpg, rpmsign)", () => {
  it("creates one key per project, signs packages with it, and rpm trusts them only with that project's key", async () => {
    const keysDir = join(await mkdtemp(join(tmpdir(), "copr-signer-")), "keys");
    const keys = new ProjectKeys({ keysDir, domain: "copr.example.org", maxAgents: 1 });
    try {
      expect(await keys.find("alice", "hello")).toBeNull();
      const hello = await keys.ensure("alice", "hello");
      expect(hello.fingerprint).toMatch(/^[0-9A-F]{40}$/);
      expect(hello.publicKey).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
      expect((await keys.ensure("alice", "hello")).fingerprint).toBe(hello.fingerprint);
      const other = await keys.ensure("mallory", "evil");
      expect(other.fingerprint).not.toBe(hello.fingerprint);
      // Without expiry, RSA, signing only.
      const { stdout } = await run("gpg", ["--homedir", keys.homeOf("alice", "hello"), "--with-colons", "--list-keys"]);
      const pub = stdout.split("\n").find((l) => l.startsWith("pub:"))?.split(":") ?? [];
      expect([pub[2], pub[3], pub[6], pub[11]]).toEqual(["3072", "1", "", "scSC"]);
      // Another signer on the same keys directory finds the same key.
      const second = new ProjectKeys({ keysDir, domain: "copr.example.org" });
      expect((await second.ensure("alice", "hello")).fingerprint).toBe(hello.fingerprint);

      const built = await rpmbuild(spec, "-bb");
      const dir = await mkdtemp(join(tmpdir(), "copr-sign-"));
      const [good, forged] = [join(dir, "good.rpm"), join(dir, "forged.rpm")];
      await copyFile(built, good);
      await copyFile(built, forged);
      expect((await check(good, [hello.publicKey])).out).toMatch(/digests OK/);
      expect((await keys.sign("alice", "hello", [good])).fingerprint).toBe(hello.fingerprint);
      await keys.sign("mallory", "evil", [forged]);

      expect(await check(good, [hello.publicKey])).toEqual({ ok: true, out: expect.stringMatching(/digests signatures OK/) as unknown });
      // The same package signed with another key is refused by a client that trusts this project's key.
      const refused = await check(forged, [hello.publicKey]);
      expect([refused.ok, refused.out]).toEqual([false, expect.stringMatching(/SIGNATURES NOT OK/)]);
      // And a signed package is refused where no key is trusted.
      expect((await check(good, [])).ok).toBe(false);

      await expect(keys.ensure("bad name", "x")).rejects.toMatchObject({ code: "INVALID_NAME" });
      await expect(signRpms(keys.homeOf("alice", "hello"), "0".repeat(40), [good])).rejects.toMatchObject({ code: "SIGN_FAILED" });
      await second.close();
    } finally {
      await keys.close();
    }
  });

  it("makes one key when several signers create a project's key at once", async () => {
    const keysDir = join(await mkdtemp(join(tmpdir(), "copr-signer-")), "keys");
    const signers = [0, 1, 2].map(() => new ProjectKeys({ keysDir, domain: "copr.example.org" }));
    try {
      const made = await Promise.all(signers.flatMap((k) => [k.ensure("bob", "race"), k.ensure("bob", "race")]));
      expect(new Set(made.map((k) => k.fingerprint)).size).toBe(1);
      expect((await readdir(keysDir)).filter((f) => f.startsWith(".new-"))).toEqual([]);
    } finally {
      await Promise.all(signers.map((k) => k.close()));
    }
  });
});
