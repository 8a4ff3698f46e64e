export { runService, type Closeable } from "./runService.ts";
