import { useEffect, useState } from "react";
import type { BuildView } from "./api.ts";
import { useQuery, type QueryState } from "./useQuery.ts";

export interface BuildPages extends QueryState<BuildView[]> {
  /** Builds per page. */
  pageSize: number;
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
/** Builds per page. */
const PAGE_SIZE = 25;

export function useBuildPages(key: string, load: (page: { limit: number; before?: number }) => Promise<BuildView[]>): BuildPages {
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  useEffect(() => setCursors([undefined]), [key]);
  const before = cursors[cursors.length - 1];
  const query = useQuery(`${key}:before=${before ?? "newest"}`, () => load(before === undefined ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, before }));
  const last = query.data?.[PAGE_SIZE - 1];
  return {
    ...query,
    pageSize: PAGE_SIZE,
    page: cursors.length,
    older: last === undefined ? undefined : () => setCursors((c) => [...c, last.build.id]),
    newer: cursors.length > 1 ? () => setCursors((c) => c.slice(0, -1)) : undefined,
  };
}
