import { InvalidError } from "@terrapod/kernel";

/** Two variables of one workspace (or set) with the same category and key. */
export class VariableKeyTakenError extends InvalidError {
  constructor(key: string) {
    super(`key ${key} has already been taken`, "key", "invalid attribute");
  }
}

/** Sensitivity is one-way: a sensitive value must never become readable. */
export class SensitiveVariableError extends InvalidError {
  constructor() {
    super("sensitive: a sensitive variable cannot be made non-sensitive", "sensitive", "invalid attribute");
  }
}
