import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { SignError } from "./signErrors.ts";

const run = promisify(execFile);

/**
 * Signs RPM files in place with `rpmsign --addsign` and the key
 * `fingerprint` of GnuPG home `gnupgHome` (an existing signature is
 * replaced). rpm's own macros name the gpg binary `gpg2`, which Debian does
 * not ship, so the binary is named here.
 */
export async function signRpms(gnupgHome: string, fingerprint: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  try {
    await run("rpmsign", [
      "--define", "__gpg /usr/bin/gpg",
      "--define", `_gpg_path ${gnupgHome}`,
      "--define", `_gpg_name ${fingerprint}`,
      "--addsign", ...paths,
    ], { maxBuffer: 16 * 1024 * 1024 });
  } catch (cause) {
    throw new SignError("SIGN_FAILED", `rpmsign failed: ${(cause as { stderr?: string }).stderr?.trim() ?? (cause as Error).message}`, { cause });
  }
}
