/**
 * Root-module configurations for the scenarios. Only built-in resources (`terraform_data`), variables
 * and outputs: no provider can be downloaded here.
 */

/** `init` succeeded with a cloud block: terraform 1.5 says "Terraform Cloud", 1.13 "HCP Terraform", tofu "Cloud backend". */
export const initialized = /(Terraform Cloud|HCP Terraform|Cloud backend) has been successfully initialized/;

/** Two resources and three outputs (a string, a list and a sensitive string). */
export function resourcesConfig(input = "alpha"): string {
  return `
variable "input" {
  type    = string
  default = "${input}"
}

resource "terraform_data" "first" {
  input = var.input
}

resource "terraform_data" "second" {
  input = [terraform_data.first.output, "beta"]
}

output "greeting" {
  value = "hello-\${terraform_data.first.output}"
}

output "pair" {
  value = terraform_data.second.output
}

output "secret" {
  value     = "s3cr3t-\${var.input}"
  sensitive = true
}
`;
}

/** Reads another workspace's outputs through `backend "remote"` (tfe.v2.1). */
export function remoteStateConfig(hostname: string, organization: string, workspace: string): string {
  return `
data "terraform_remote_state" "producer" {
  backend = "remote"
  config = {
    hostname     = "${hostname}"
    organization = "${organization}"
    workspaces = {
      name = "${workspace}"
    }
  }
}

output "copied_greeting" {
  value = data.terraform_remote_state.producer.outputs.greeting
}

output "copied_pair" {
  value = data.terraform_remote_state.producer.outputs.pair
}
`;
}
