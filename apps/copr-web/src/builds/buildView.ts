import { deriveBuildState, type TaskState } from "@copr/domain";
import type { Build, Store, Task } from "@copr/store";

export interface BuildView {
  build: Build;
  tasks: Task[];
  state: TaskState;
}

export async function buildView(store: Store, id: number): Promise<BuildView | null> {
  const build = await store.builds.getBuild(id);
  if (build === null) return null;
  const tasks = await store.scheduling.withWaitReasons(await store.builds.getTasks(build.taskIds));
  return { build, tasks, state: deriveBuildState(tasks.map((t) => t.state)) };
}
