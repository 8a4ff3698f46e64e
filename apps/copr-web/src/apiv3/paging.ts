import { HttpError } from "../http/httpError.ts";

/** Copr's paging parameters: limit, offset, order, order_type. */
export interface PageQuery {
  limit?: string;
  offset?: string;
  order?: string;
  order_type?: string;
}

export interface Page {
  /** null: everything (Copr's answer when no limit is sent). */
  limit: number | null;
  offset: number;
  order: string;
  order_type: "ASC" | "DESC";
}

/** The most items one page returns, whatever `limit` asks (copr-cli asks 1000). */
export const MAX_PAGE = 1000;

function count(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new HttpError(400, "INVALID_ARGUMENT", `${name} must be a whole number, not ${JSON.stringify(value.slice(0, 40))}`);
  return Number(value);
}

/**
 * Reads paging parameters; `orders` are the columns a list may be ordered by,
 * the first being the default. Order type defaults to DESC for id, ASC otherwise.
 */
export function readPage(q: PageQuery, orders: readonly string[]): Page {
  const order = q.order ?? orders[0] ?? "id";
  if (!orders.includes(order)) throw new HttpError(400, "INVALID_ARGUMENT", `order must be one of ${orders.join(", ")}, not ${JSON.stringify(order.slice(0, 40))}`);
  const type = (q.order_type ?? (order === "id" ? "DESC" : "ASC")).toUpperCase();
  if (type !== "ASC" && type !== "DESC") throw new HttpError(400, "INVALID_ARGUMENT", `order_type must be ASC or DESC, not ${JSON.stringify(type.slice(0, 40))}`);
  return { limit: count(q.limit, "limit") ?? null, offset: count(q.offset, "offset") ?? 0, order, order_type: type };
}

/** How many items to read for a page. */
export function pageSize(page: Page): number {
  return Math.min(page.limit ?? MAX_PAGE, MAX_PAGE);
}

/** Copr's list answer: items and the paging that gave them (next page: offset + limit). */
export function listAnswer<T>(items: T[], page: Page): { items: T[]; meta: Page } {
  return { items, meta: page };
}
