import { BlockList, isIP } from "node:net";

/** Where a URL build may connect: public addresses, and the networks an operator allowed. */
export interface AddressPolicy {
  allows(address: string): boolean;
}

/** Ranges that are not the public internet (RFC 6890 and friends). */
const NOT_PUBLIC_V4: readonly (readonly [string, number])[] = [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.0.0.0", 24],
  ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
];
const NOT_PUBLIC_V6: readonly (readonly [string, number])[] = [
  ["::", 128], ["::1", 128], ["64:ff9b::", 96], ["100::", 64], ["2001:db8::", 32], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8],
];

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), else the address itself. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1] ?? address;
}

function family(address: string): "ipv4" | "ipv6" {
  return isIP(address) === 6 ? "ipv6" : "ipv4";
}

/**
 * A policy from CIDRs allowed although not public (COPR_WEB_URL_ALLOW_NETS).
 * Node's BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules, so
 * the two families are kept in separate lists and mapped addresses unwrapped.
 */
export function addressPolicy(allowedNets: readonly string[]): AddressPolicy {
  const blocked = { ipv4: new BlockList(), ipv6: new BlockList() };
  for (const [net, bits] of NOT_PUBLIC_V4) blocked.ipv4.addSubnet(net, bits, "ipv4");
  for (const [net, bits] of NOT_PUBLIC_V6) blocked.ipv6.addSubnet(net, bits, "ipv6");
  const allowed = { ipv4: new BlockList(), ipv6: new BlockList() };
  for (const n of allowedNets) {
    const [address = "", bits = ""] = n.split("/");
    const f = family(unmapped(address));
    allowed[f].addSubnet(unmapped(address), Number(bits), f);
  }
  return {
    allows(raw: string): boolean {
      const address = unmapped(raw);
      if (isIP(address) === 0) return false;
      const f = family(address);
      return !blocked[f].check(address, f) || allowed[f].check(address, f);
    },
  };
}
