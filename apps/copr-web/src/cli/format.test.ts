import { describe, expect, it } from "vitest";
import { printable } from "./format.ts";

describe("printable", () => {
  it("removes what a build log could do to a terminal, keeping the text and tabs", () => {
    expect(printable("\x1b]0;pwned title\x07gcc -O2\tmain.c")).toBe("gcc -O2\tmain.c");
    expect(printable("\x1b[1;31merror:\x1b[0m bad")).toBe("error: bad");
    expect(printable("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\")).toBe("link");
    expect(printable("a\rb\x08c\x1bcd\x9b31m\x00e")).toBe("abcd31me");
    expect(printable("Wrote: /x/hello-1.0-1.noarch.rpm")).toBe("Wrote: /x/hello-1.0-1.noarch.rpm");
  });
});
