export {
  TaskQueues, taskJobSchema, controlJobSchema, taskQueueName, taskJobId, CONTROL_QUEUE,
  type TaskJob, type ControlJob, type QueueConnection,
} from "./taskQueues.ts";
