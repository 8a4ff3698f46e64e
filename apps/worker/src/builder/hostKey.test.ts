import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { normalizeFingerprint, sshFingerprint } from "./hostKey.ts";

describe("sshFingerprint", () => {
  const dir = mkdtempSync(join(tmpdir(), "hostkey-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(["ed25519", "rsa", "ecdsa"])("matches ssh-keygen -lf for an %s key", (type) => {
    const file = join(dir, `key_${type}`);
    execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", file]);
    const blob = Buffer.from(readFileSync(`${file}.pub`, "utf8").split(" ")[1] ?? "", "base64");
    const printed = execFileSync("ssh-keygen", ["-lf", `${file}.pub`], { encoding: "utf8" }).split(" ")[1];
    expect(sshFingerprint(blob)).toBe(printed);
  });

  it("normalizes padding and whitespace of a pinned value", () => {
    expect(normalizeFingerprint(" SHA256:abc= \n")).toBe("SHA256:abc");
  });
});
