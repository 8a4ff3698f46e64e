import { describe, expect, it } from "vitest";
import { addressPolicy } from "./addressPolicy.ts";

describe("where a URL build may connect", () => {
  it("allows public addresses and refuses loopback, private, link-local, documentation and mapped ones", () => {
    const p = addressPolicy([]);
    for (const a of ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) expect([a, p.allows(a)]).toEqual([a, true]);
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "203.0.113.1", "224.0.0.1",
      "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "not-an-address"]) expect([a, p.allows(a)]).toEqual([a, false]);
  });

  it("allows the networks an operator listed, and only those", () => {
    const p = addressPolicy(["127.0.0.0/8", "fd00::/8"]);
    expect(["127.0.0.1", "::ffff:127.0.0.1", "fd12::1", "10.0.0.1", "::1"].map((a) => p.allows(a))).toEqual([true, true, true, false, false]);
  });
});
