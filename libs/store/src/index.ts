export { Store, type StoreOptions, type NewBuild } from "./store.ts";
export { storeKeys, STATUS_DIMENSIONS, type StoreKeys, type StatusBucket, type StatusDimension } from "./keys.ts";
export { StoreError, STORE_ERROR_CODES, type StoreErrorCode } from "./storeErrors.ts";
export { hashToken } from "./tokens.ts";
export type { Build, Project, SrpmInfo, Task, User, WorkerRecord } from "./types.ts";
