import { RpmError } from "./rpmErrors.ts";
import { LEAD_MAGIC, LEAD_SIGTYPE_HEADERSIG, LEAD_SIZE } from "./rpmFormat.ts";

/** The parts of the 96-byte lead we use. The lead's name and arch number are informational only. */
export interface RpmLead {
  major: number;
  minor: number;
  /** 0 = binary, 1 = source. */
  type: 0 | 1;
  /** NUL-terminated name field; rpm 4 writes the NEVR here (e.g. "hello-2:1.0-1"). */
  name: string;
}

/**
 * Checks the magic at the start of a file. `head` is the first bytes of the
 * file (up to LEAD_SIZE). A file shorter than the magic that matches as far
 * as it goes (including an empty file) is TRUNCATED, anything else NOT_RPM.
 */
export function checkLeadMagic(head: Buffer): void {
  const n = Math.min(head.length, LEAD_MAGIC.length);
  if (!head.subarray(0, n).equals(LEAD_MAGIC.subarray(0, n))) {
    throw new RpmError("NOT_RPM", "this file is not an RPM package (it does not start with the RPM magic bytes ed ab ee db)");
  }
  if (head.length === 0) throw new RpmError("TRUNCATED", "the file is empty; the upload may have been cut off");
  if (head.length < LEAD_SIZE) {
    throw new RpmError("TRUNCATED", `the file ends after ${head.length} bytes, inside the RPM lead; the upload may have been cut off`);
  }
}

/** Parses a complete lead (exactly LEAD_SIZE bytes, magic already checked). */
export function parseLead(lead: Buffer): RpmLead {
  checkLeadMagic(lead);
  const major = lead.readUInt8(4);
  const minor = lead.readUInt8(5);
  const type = lead.readUInt16BE(6);
  const sigType = lead.readUInt16BE(78);
  if (major !== 3 && major !== 4) {
    throw new RpmError("BAD_HEADER", `unsupported RPM package format ${major}.${minor}; rebuild the package with rpm 4`);
  }
  if (sigType !== LEAD_SIGTYPE_HEADERSIG) {
    throw new RpmError("BAD_HEADER", `unsupported RPM signature type ${sigType}; rebuild the package with rpm 4`);
  }
  if (type !== 0 && type !== 1) {
    throw new RpmError("BAD_HEADER", `the RPM lead has unknown package type ${type}; the file is corrupt`);
  }
  const nameField = lead.subarray(10, 76);
  const nul = nameField.indexOf(0);
  const name = nameField.subarray(0, nul < 0 ? nameField.length : nul).toString("latin1");
  return { major, minor, type, name };
}
