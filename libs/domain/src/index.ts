export {
  TASK_STATES, FINAL_STATES, COPR_STATUS, MAX_HOSTS_PER_TASK, isFinal, canTransition, deriveBuildState, type TaskState,
} from "./states.ts";
export { OWNER_RE, PROJECT_RE, CHROOT_RE, isSafeOwner, isSafeProject, chrootArch, taskId } from "./names.ts";
