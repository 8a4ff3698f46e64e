export { ConfigError, loadEnvConfig, busEnvSchema, busEnvSettings, busConfigInput, type EnvSetting } from "./config.ts";
