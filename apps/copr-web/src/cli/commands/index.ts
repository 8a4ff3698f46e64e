import type { Command } from "../command.ts";
import { whoamiCommand } from "./account.ts";
import { cancelCommand, deleteBuildCommand, listBuildsCommand, statusCommand } from "./buildInfo.ts";
import { buildCommand, resubmitCommand, watchBuildCommand } from "./builds.ts";
import { downloadBuildCommand } from "./downloadBuild.ts";
import { createCommand, deleteCommand } from "./projects.ts";
import { shareCommand } from "./shares.ts";
import { workerAddCommand, workerDrainCommand, workerListCommand, workerRemoveCommand } from "./workers.ts";

/** Every command, in the order `copr --help` lists them. */
export const COMMANDS: readonly Command[] = [
  whoamiCommand,
  createCommand,
  deleteCommand,
  buildCommand,
  resubmitCommand,
  watchBuildCommand,
  statusCommand,
  listBuildsCommand,
  cancelCommand,
  deleteBuildCommand,
  downloadBuildCommand,
  shareCommand,
  workerAddCommand,
  workerListCommand,
  workerDrainCommand,
  workerRemoveCommand,
];
