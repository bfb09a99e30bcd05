import { InvalidError } from "@terrapod/kernel";

export class VariableSetNameTakenError extends InvalidError {
  constructor(name: string) {
    super(`name ${name} has already been taken`, "name", "invalid attribute");
  }
}
