export { ConfigError, loadEnvConfig, busEnvSchema, busEnvSettings, busConfigInput, redisEnvSchema, redisEnvSettings, type EnvSetting } from "./config.ts";
