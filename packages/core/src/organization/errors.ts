import { ConflictError } from "@terrapod/kernel";

export class OrganizationNameTakenError extends ConflictError {
  constructor(name: string) {
    super(`organization name ${name} is already taken`, { name }, "name has already been taken");
  }
}
