// Public surface of @copr/rpm. Named exports only.
export { readRpmInfo, type ReadRpmInfoOptions } from "./rpmHeader.ts";
export { nevra, sourceRpmName, type RpmInfo } from "./rpmInfo.ts";
export { RpmError, RPM_ERROR_CODES, RPM_ERROR_HTTP_STATUS, type RpmErrorCode } from "./rpmErrors.ts";
export { archVerdict, chrootArch, parseChroot, MAX_CHROOT_LENGTH, type ArchVerdict, type Chroot } from "./archRules.ts";
export { isSafeName, MAX_NAME_LENGTH, type NameField } from "./safeName.ts";
