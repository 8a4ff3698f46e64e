export { ControlQueue, controlJobSchema, CONTROL_QUEUE, type ControlJob, type QueueConnection } from "./controlQueue.ts";
