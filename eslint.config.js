// Type-aware lint for the whole workspace.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // .ci/ holds plain-JS CI helpers outside the TypeScript project.
  { ignores: ["**/node_modules/**", "**/dist/**", "bench/results/**", ".tmp/**", ".ci/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: "Read configuration through the config module; nothing else reads process.env.",
        },
      ],
    },
  },
  {
    files: ["**/config/**/*.ts", "**/*config*.ts", "**/*env*.ts", "libs/testkit/**", "scripts/**", "bench/**", "**/test/**", "**/*.test.ts"],
    rules: { "no-restricted-syntax": "off" },
  },
  {
    files: ["eslint.config.js", "vitest.config.ts"],
    ...tseslint.configs.disableTypeChecked,
  },
);
