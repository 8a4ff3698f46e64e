import { describe, expect, it } from "vitest";
import { silentLogger } from "@copr/bus";
import type { BuilderConnection, BuilderHost } from "./builderConnection.ts";
import { probeHosts } from "./probeHosts.ts";
import { DEFAULT_SANDBOX_LIMITS, SandboxUnavailableError, bubblewrapCommand, limitReason, sandboxFromProbe } from "./sandbox.ts";

const limits = { ...DEFAULT_SANDBOX_LIMITS, fileSizeMiB: 16 };

describe("bubblewrapCommand", () => {
  it("unshares every namespace, keeps the network only when asked, and sets the limits first", () => {
    const off = bubblewrapCommand("rpmbuild --rebuild x.src.rpm", { network: false, limits });
    expect(off).toMatch(/^exec prlimit --nproc=4096 --nofile=4096 --as=\d+ --fsize=16777216 -- bwrap --unshare-all --unshare-user --disable-userns --die-with-parent /);
    expect(off).not.toContain("--share-net");
    expect(off).toContain("--ro-bind / / --tmpfs /tmp --tmpfs /var/tmp --tmpfs /run --tmpfs /home");
    expect(off).toContain(`--tmpfs "$(dirname "$PWD")" --dir "$HOME" --bind "$PWD" "$PWD"`);
    expect(off.endsWith("-- sh -c 'rpmbuild --rebuild x.src.rpm'")).toBe(true);
    expect(bubblewrapCommand("true", { network: true, limits })).toContain("--share-net");
  });
});

describe("sandboxFromProbe", () => {
  it("reads the probe's answer, and refuses a host without a sandbox naming the host and the fix", () => {
    expect(sandboxFromProbe("b1", "bubblewrap\n")).toBe("bubblewrap");
    expect(sandboxFromProbe("b1", "mock\n")).toBe("mock");
    const error = (() => {
      try {
        sandboxFromProbe("b1", "none: bwrap is not installed (Debian/Fedora package bubblewrap)\n");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SandboxUnavailableError);
    expect((error as Error).message).toBe("builder host b1 cannot run builds in a sandbox: bwrap is not installed (Debian/Fedora package bubblewrap)");
    expect(() => sandboxFromProbe("b1", "")).toThrow(SandboxUnavailableError);
  });
});

describe("limitReason", () => {
  it("names the limit a failed build ran into, from its signal or its last lines", () => {
    expect(limitReason([], "SIGXFSZ", limits)).toBe("the build wrote a file larger than its limit (16 MiB)");
    expect(limitReason(["+ dd if=/dev/zero of=big", "/var/tmp/rpm-tmp.x: line 3: 42 File size limit exceeded dd"], null, limits)).toMatch(/16 MiB/);
    expect(limitReason(["sh: fork: retry: Resource temporarily unavailable"], null, limits)).toBe("the build reached its process limit (4096 processes)");
    expect(limitReason(["cc1: out of memory allocating 123 bytes"], null, limits)).toMatch(/ran out of memory \(limit 16384 MiB/);
    expect(limitReason(["error: Bad exit status from /var/tmp/rpm-tmp.x (%build)"], null, limits)).toBeUndefined();
  });
});

describe("probeHosts", () => {
  const host = (name: string): BuilderHost => ({ name, host: "127.0.0.1", port: 22, user: "b", privateKey: "k", hostKeyFingerprint: "SHA256:x", arches: ["x86_64"], slots: 1, workDir: "w" });
  const answering = (stdout: string): BuilderConnection => ({
    exec: () => Promise.resolve({ code: 0, stdout, stderr: "" }), close: () => undefined,
    mkdirp: () => Promise.resolve(), upload: () => Promise.resolve(), download: () => Promise.resolve(),
    run: () => Promise.resolve({ code: 0, signal: null }), cancel: () => Promise.resolve(),
  });

  it("refuses to start with a host that answers but cannot sandbox, and only logs one that does not answer", async () => {
    const answers: Record<string, string> = { good: "bubblewrap\n", bad: "none: prlimit is not installed (package util-linux)\n" };
    const connect = (h: BuilderHost): Promise<BuilderConnection> =>
      h.name === "down" ? Promise.reject(new Error("connect ECONNREFUSED")) : Promise.resolve(answering(answers[h.name] ?? ""));
    await expect(probeHosts([host("good"), host("down")], connect, silentLogger)).resolves.toEqual(new Map([["good", "bubblewrap"]]));
    await expect(probeHosts([host("good"), host("bad")], connect, silentLogger)).rejects.toThrow(/builder host bad cannot run builds in a sandbox: prlimit is not installed/);
  });
});
