import type { UserId } from "@terrapod/kernel";

/** A user as other users see it (TFE `users`): no secrets, and the email only for oneself or admins. */
export type UserProfile = {
  readonly id: UserId;
  readonly username: string;
  readonly email: string | undefined;
  readonly siteAdmin: boolean;
};
