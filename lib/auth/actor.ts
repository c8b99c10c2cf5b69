/**
 * The principal a service acts for. Every service takes one explicitly; nothing reads a global
 * session. `client` is where the request came from, for the audit row.
 */
export type ClientInfo = { ip: string | null; userAgent: string | null };

export type UserActor = {
  kind: "user";
  id: number;
  username: string;
  isAdmin: boolean;
  /** Wharf's system auditor: reads everything, changes nothing. */
  isAuditor: boolean;
  /**
   * An administrator whose rights are paused until they turn on two-factor sign-in (the
   * "require two-factor for administrators" setting; isAdmin is false meanwhile).
   */
  adminPaused?: boolean;
  client: ClientInfo;
};

/** One grant of a robot account: `namespace` is a project name, or "*" for every project. */
export type RobotGrant = { namespace: string; resource: string; action: string };

export type RobotActor = {
  kind: "robot";
  id: number;
  /** Login name, e.g. robot$library+ci. */
  name: string;
  level: "system" | "project";
  grants: RobotGrant[];
  client: ClientInfo;
};

export type AnonymousActor = { kind: "anonymous"; client: ClientInfo };

/** Wharf itself: start-up tasks and jobs. */
export type SystemActor = { kind: "system"; name: string; client: ClientInfo };

export type Actor = UserActor | RobotActor | AnonymousActor | SystemActor;

export const NO_CLIENT: ClientInfo = { ip: null, userAgent: null };

export function anonymousActor(client: ClientInfo = NO_CLIENT): AnonymousActor {
  return { kind: "anonymous", client };
}

export function systemActor(name: string): SystemActor {
  return { kind: "system", name, client: NO_CLIENT };
}

export function actorName(actor: Actor): string {
  switch (actor.kind) {
    case "user":
      return actor.username;
    case "robot":
      return actor.name;
    case "anonymous":
      return "anonymous";
    case "system":
      return `system:${actor.name}`;
  }
}
