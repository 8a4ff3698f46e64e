export { ConfigError, loadEnvConfig, busEnvSchema, busEnvSettings, busConfigInput, redisEnvSchema, redisEnvSettings, redisTarget, nodeListSchema, urlListSchema, type EnvSetting } from "./config.ts";
