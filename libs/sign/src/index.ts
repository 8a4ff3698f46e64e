// Public surface of @copr/sign. Named exports only.
export { ProjectKeys, keyUserId, type ProjectKey, type ProjectKeysOptions } from "./projectKeys.ts";
export { signRpms } from "./signRpms.ts";
export { SignError, SIGN_ERROR_CODES, SIGN_ERROR_RETRYABLE, type SignErrorCode } from "./signErrors.ts";
