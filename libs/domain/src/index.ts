export {
  TASK_STATES, FINAL_STATES, COPR_STATUS, MAX_HOSTS_PER_TASK, isFinal, canTransition, deriveBuildState, coprStateName, type TaskState,
} from "./states.ts";
export { OWNER_RE, PROJECT_RE, CHROOT_RE, isSafeOwner, isSafeProject, chrootArch, taskId } from "./names.ts";
export {
  WORKER_METHODS, DEFAULT_BUILD_TIMEOUT_S, MAX_BUILD_TIMEOUT_S, parseBuildTimeout, buildArgsSchema, buildResultSchema, cancelArgsSchema, cancelResultSchema, statusResultSchema,
  helloArgsSchema, helloResultSchema, type BuildArgs, type BuildResult,
} from "./workerApi.ts";
export { workerProof, proofFromHash, proofMatches, tokenKey, statusProofText, logProofText } from "./workerProof.ts";
