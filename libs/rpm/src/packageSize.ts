import type { HeaderBlock } from "./headerBlock.ts";
import { RpmError } from "./rpmErrors.ts";
import { SIGNATURE_TAGS } from "./rpmFormat.ts";

/**
 * Compares the file size with the size the signature header records for the
 * main header plus payload (SIZE, or LONGSIZE for packages of 4 GiB and
 * more), so a payload cut off in transfer is caught without reading it.
 * Shorter → TRUNCATED; longer → BAD_HEADER (rpm's payload digest would fail
 * too). Skipped when the signature records neither size (very old packages).
 */
export function checkPackageSize(signature: HeaderBlock, mainStart: number, fileSize: number): void {
  const recorded = signature.int64(SIGNATURE_TAGS.LONGSIZE)?.[0] ?? signature.int32(SIGNATURE_TAGS.SIZE)?.[0];
  if (recorded === undefined) return;
  const expected = mainStart + recorded;
  if (fileSize < expected) {
    throw new RpmError(
      "TRUNCATED",
      `the file ends after ${fileSize} bytes, inside the payload (the package is ${expected} bytes); the upload may have been cut off`,
    );
  }
  if (fileSize > expected) {
    throw new RpmError(
      "BAD_HEADER",
      `the file has ${fileSize - expected} bytes of unexpected data after the end of the package (${expected} bytes)`,
    );
  }
}
