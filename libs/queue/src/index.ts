export {
  TaskQueues, taskJobSchema, controlJobSchema, taskQueueName, queueEventsKey, taskJobId, CONTROL_QUEUE,
  type TaskJob, type ControlJob, type QueueConnection,
} from "./taskQueues.ts";
