// Public surface of @copr/sign. Named exports only.
export { ProjectKeys, keyUserId, type ProjectKey } from "./projectKeys.ts";
export { signRpms } from "./signRpms.ts";
export { SignError, SIGN_ERROR_CODES, type SignErrorCode } from "./signErrors.ts";
