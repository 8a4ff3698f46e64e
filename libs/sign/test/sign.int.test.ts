import { execFile } from "node:child_process";
import { copyFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { rpmbuild } from "@copr/testkit";
import { ProjectKeys, SignError, signRpms } from "@copr/sign";

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
    const keys = new ProjectKeys({ gnupgHome: join(await mkdtemp(join(tmpdir(), "copr-signer-")), "gnupg"), domain: "copr.example.org" });
    try {
      const hello = await keys.ensure("alice", "hello");
      expect(hello.fingerprint).toMatch(/^[0-9A-F]{40}$/);
      expect(hello.publicKey).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
      expect((await keys.ensure("alice", "hello")).fingerprint).toBe(hello.fingerprint);
      const other = await keys.ensure("mallory", "evil");
      expect(other.fingerprint).not.toBe(hello.fingerprint);

      const built = await rpmbuild(spec, "-bb");
      const dir = await mkdtemp(join(tmpdir(), "copr-sign-"));
      const [good, forged] = [join(dir, "good.rpm"), join(dir, "forged.rpm")];
      await copyFile(built, good);
      await copyFile(built, forged);
      expect((await check(good, [hello.publicKey])).out).toMatch(/digests OK/);
      await signRpms(keys.gnupgHome, hello.fingerprint, [good]);
      await signRpms(keys.gnupgHome, other.fingerprint, [forged]);

      expect(await check(good, [hello.publicKey])).toEqual({ ok: true, out: expect.stringMatching(/digests signatures OK/) as unknown });
      // The same package signed with another key is refused by a client that trusts this project's key.
      const refused = await check(forged, [hello.publicKey]);
      expect([refused.ok, refused.out]).toEqual([false, expect.stringMatching(/SIGNATURES NOT OK/)]);
      // And a signed package is refused where no key is trusted.
      expect((await check(good, [])).ok).toBe(false);

      await expect(keys.ensure("bad name", "x")).rejects.toBeInstanceOf(SignError);
      await expect(signRpms(keys.gnupgHome, "0".repeat(40), [good])).rejects.toMatchObject({ code: "SIGN_FAILED" });
    } finally {
      await keys.close();
    }
  });
});
