import { useEffect, useState } from "react";
import type { BuildView } from "./api.ts";
import { useQuery, type QueryState } from "./useQuery.ts";

export interface BuildPages extends QueryState<BuildView[]> {
  /** 1 for the newest builds. */
  page: number;
  /** Goes to older builds; undefined on the last page. */
  older: (() => void) | undefined;
  /** Goes back to newer builds; undefined on the first page. */
  newer: (() => void) | undefined;
}

/**
 * Builds a page at a time, newest first. A page is asked for by the id of
 * the last build shown (`before`), so new builds arriving meanwhile do not
 * shift the older pages. Back to the first page when `key` changes.
 */
export function useBuildPages(key: string, pageSize: number, load: (before: number | undefined) => Promise<BuildView[]>): BuildPages {
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  useEffect(() => setCursors([undefined]), [key]);
  const before = cursors[cursors.length - 1];
  const query = useQuery(`${key}:before=${before ?? "newest"}`, () => load(before));
  const last = query.data?.[pageSize - 1];
  return {
    ...query,
    page: cursors.length,
    older: last === undefined ? undefined : () => setCursors((c) => [...c, last.build.id]),
    newer: cursors.length > 1 ? () => setCursors((c) => c.slice(0, -1)) : undefined,
  };
}
