import type { UserProfile } from "@terrapod/core";
import type { ResourceObject } from "../../jsonapi/document.ts";

/** A `users` resource as TFE shows other users (included from `created-by`, `confirmed-by`). */
export function serializeUser(user: UserProfile): ResourceObject {
  return {
    id: user.id,
    type: "users",
    attributes: {
      username: user.username,
      ...(user.email !== undefined ? { email: user.email } : {}),
      "is-service-account": false,
      "is-site-admin": user.siteAdmin,
      "avatar-url": null,
      "v2-only": true,
      permissions: {
        "can-create-organizations": user.siteAdmin,
        "can-change-email": false,
        "can-change-username": false,
      },
    },
    links: { self: `/api/v2/users/${user.id}` },
  };
}
