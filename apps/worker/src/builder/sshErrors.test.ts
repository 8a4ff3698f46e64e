import { describe, expect, it } from "vitest";
import { SSH_ERROR_CODES, SSH_ERROR_FAULT, SshError, fromConnectionError, fromTransferError, isInfrastructureFault } from "./sshErrors.ts";

describe("SSH error codes", () => {
  it("gives every code a fault, and only codes have one", () => {
    expect(Object.keys(SSH_ERROR_FAULT).sort()).toEqual(Object.values(SSH_ERROR_CODES).sort());
  });

  it("retries infrastructure failures on another host, never the build's or a cancel", () => {
    expect(isInfrastructureFault(new SshError("CONNECT_FAILED", "x"))).toBe(true);
    expect(isInfrastructureFault(new SshError("HOST_KEY_MISMATCH", "x"))).toBe(true);
    expect(isInfrastructureFault(new SshError("COMMAND_FAILED", "x"))).toBe(false);
    expect(isInfrastructureFault(new SshError("CANCELED", "x"))).toBe(false);
    expect(isInfrastructureFault(new Error("x"))).toBe(false);
  });
});

describe("converting ssh2 errors", () => {
  const withLevel = (level: string): Error => Object.assign(new Error("boom"), { level });

  it.each([
    ["client-socket", "connect", "CONNECT_FAILED"],
    ["client-timeout", "connect", "CONNECT_FAILED"],
    ["client-dns", "connect", "CONNECT_FAILED"],
    ["handshake", "connect", "CONNECT_FAILED"],
    ["client-authentication", "connect", "AUTH_FAILED"],
    ["client-socket", "session", "CLOSED"],
    ["client-timeout", "session", "CLOSED"],
  ] as const)("level %s while %s becomes %s and keeps the level", (level, phase, code) => {
    const error = fromConnectionError(withLevel(level), phase, "host");
    expect(error.code).toBe(code);
    expect(error.level).toBe(level);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("keeps the SFTP status of a transfer error, and tells local file errors apart", () => {
    const remote = fromTransferError(Object.assign(new Error("No such file"), { code: 2 }), "download");
    expect([remote.code, remote.level, remote.sftpStatus]).toEqual(["TRANSFER_FAILED", "sftp", 2]);
    const local = fromTransferError(Object.assign(new Error("ENOENT"), { code: "ENOENT" }), "upload");
    expect([local.code, local.level]).toEqual(["TRANSFER_FAILED", "local-fs"]);
  });
});
