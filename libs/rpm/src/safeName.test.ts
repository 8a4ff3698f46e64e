import { describe, expect, it } from "vitest";
import { RpmError } from "./rpmErrors.ts";
import { assertSafeName, isSafeName, MAX_NAME_LENGTH, type NameField } from "./safeName.ts";

describe("isSafeName", () => {
  it.each([
    ["name", "hello"],
    ["name", "python3-foo_bar"],
    ["name", "libstdc++"],
    ["name", "perl-Foo-Bar"],
    ["name", "a".repeat(MAX_NAME_LENGTH)],
    ["version", "1.0~rc1^git20240101.abc"],
    ["release", "1.fc40"],
    ["arch", "x86_64"],
  ] as [NameField, string][])("accepts %s %j", (field, value) => {
    expect(isSafeName(field, value)).toBe(true);
    expect(assertSafeName(field, value)).toBe(value);
  });

  it.each([
    ["name", ""],
    ["name", "../etc"],
    ["name", ".hidden"],
    ["name", "-rf"],
    ["name", "a/b"],
    ["name", "a b"],
    ["name", "a\u0000b"],
    ["name", "naïve"],
    ["name", "a".repeat(MAX_NAME_LENGTH + 1)],
    ["version", "1.0-2"],
    ["version", "1:2"],
    ["release", "1%{dist}"],
    ["arch", "x86-64"],
  ] as [NameField, string][])("refuses %s %j with UNSAFE_NAME", (field, value) => {
    expect(isSafeName(field, value)).toBe(false);
    let caught: unknown;
    try {
      assertSafeName(field, value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RpmError);
    expect((caught as RpmError).code).toBe("UNSAFE_NAME");
  });
});
