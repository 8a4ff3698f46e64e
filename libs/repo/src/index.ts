// Public surface of @copr/repo. Named exports only.
export { RepoError, REPO_ERROR_CODES, REPO_ERROR_RETRYABLE, type RepoErrorCode } from "./repoErrors.ts";
export {
  chrootDir, resultDir, resultDirName, isInside, checkOwnerOrProject,
  OWNER_PROJECT_PATTERN, CHROOT_PATTERN, PACKAGE_NAME_PATTERN, MAX_CHROOT_LENGTH, MAX_PACKAGE_NAME_LENGTH,
  type ChrootRef, type BuildResultRef,
} from "./layout.ts";
export { RepoPublisher, type RepoPublisherOptions, type PublishResult } from "./createrepo.ts";
export { spawnRunner, type CommandRunner, type CommandResult, type CommandOptions } from "./commandRunner.ts";
export { readPrimary, readPrimaryPackageCount, formatNevra, type PackageEntry } from "./primary.ts";
export { readRepomd, type RepomdRecord } from "./repomd.ts";
export { repoFileContent, repoBaseUrl, repoKeyUrl, repoId, type RepoFileOptions } from "./repoFile.ts";
export { Slots } from "./slots.ts";
