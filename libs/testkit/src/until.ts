/**
 * Waits until `condition` holds, checking every `everyMs`; throws
 * "timed out waiting for WHAT" after `ms`. For tests that watch a real
 * system settle (no fixed sleeps).
 */
export async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string, everyMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
