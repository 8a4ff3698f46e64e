import { StoreError } from "./storeErrors.ts";
import { StorePart } from "./storePart.ts";

/**
 * Appends the part of a log batch not stored yet (by line offset within the
 * attempt). A batch that starts past the lines stored is refused ('GAP'):
 * batches arrive in order, so its sender claims lines it never sent.
 */
const APPEND_LOG_LUA = `
-- KEYS: log stream, lines-per-attempt hash; ARGV: attempt, offset, lines (JSON array)
local have = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local offset = tonumber(ARGV[2])
local lines = cjson.decode(ARGV[3])
local n = #lines
if offset > have then return 'GAP' end
if offset + n <= have then return '' end
local skip = 0
if offset < have then skip = have - offset end
local add = {}
for i = skip + 1, n do add[#add + 1] = lines[i] end
redis.call('HSET', KEYS[2], ARGV[1], offset + n)
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', '200000', '*', 'attempt', ARGV[1], 'lines', cjson.encode(add))
`;

/** Tasks' live logs: one stream per task, batches deduplicated by line offset. */
export class Logs extends StorePart {
  /**
   * Appends log lines of a task attempt; with `offset` (the first line's
   * number within the attempt) only the lines not stored yet. Returns the
   * entry id, "" when nothing was new, or throws StoreError LOG_GAP when the
   * batch starts past the lines stored (a sender claiming lines it never sent).
   */
  async appendLog(id: string, attempt: number, lines: readonly string[], offset?: number): Promise<string> {
    if (offset === undefined) {
      const entry = await this.redis.xadd(this.keys.taskLog(id), "MAXLEN", "~", "200000", "*", "attempt", String(attempt), "lines", JSON.stringify(lines));
      return entry ?? "";
    }
    const entry = await this.redis.eval(APPEND_LOG_LUA, 2, this.keys.taskLog(id), this.keys.taskLogLines(id), String(attempt), String(offset), JSON.stringify(lines));
    if (entry === "GAP") throw new StoreError("LOG_GAP", `log batch for ${id} attempt ${attempt} starts at line ${offset}, past the lines stored`);
    return typeof entry === "string" ? entry : "";
  }

  /** Log entries after `afterId` ("0" for the start). */
  async readLog(id: string, afterId = "0", count = 1000): Promise<{ id: string; attempt: number; lines: string[] }[]> {
    const start = afterId === "0" ? "-" : `(${afterId}`;
    const entries = await this.redis.xrange(this.keys.taskLog(id), start, "+", "COUNT", count);
    return entries.map(([entryId, kv]) => {
      const m = new Map<string, string>();
      for (let i = 0; i + 1 < kv.length; i += 2) m.set(kv[i] ?? "", kv[i + 1] ?? "");
      return { id: entryId, attempt: Number(m.get("attempt") ?? 0), lines: JSON.parse(m.get("lines") ?? "[]") as string[] };
    });
  }

  /**
   * Lets an ended task's live log leave Redis after `graceS` seconds (it is
   * kept in builder-live.log.gz with the results). A later line for the
   * same task would keep the expiry: EXPIRE survives XADD and HSET.
   */
  async expireLog(taskId: string, graceS: number): Promise<void> {
    await this.redis.multi().expire(this.keys.taskLog(taskId), graceS).expire(this.keys.taskLogLines(taskId), graceS).exec();
  }
}
