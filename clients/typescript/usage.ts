// How a TypeScript service calls the starting operations with the types openapi-typescript
// generates from spec/dist/. `cargo xtask test` compiles this file with `tsc --strict`, once
// against the types of the bundled YAML and once against those of the dereferenced JSON, so a
// change to the published spec that breaks these calls fails the build.
//
// The `@ts-expect-error` lines prove that the types are real: each is a call the spec forbids,
// and the build fails if it ever compiles.

import type { operations as Attestr, paths as AttestrPaths } from "@vendor-specs/attestr";
import type { operations as GainsightPx, paths as GainsightPxPaths } from "@vendor-specs/gainsight-px";
import type { operations as Trust, paths as TrustPaths } from "@vendor-specs/trust";

/** Where a vendor's API is, and the headers every call sends (its credentials). */
export interface Api {
  baseUrl: string;
  headers: Record<string, string>;
}

/** An operation's responses, as the generated `operations` entries declare them. */
type Responses<Op> = Op extends { responses: infer R } ? R : never;

/** The body of one response: the schema under its media type, `undefined` when it has none. */
type ResponseBody<R> = R extends { content: infer C } ? C[keyof C] : undefined;

/** What a call can return: one variant per documented status, each with its typed body. */
export type Outcome<Op> = {
  [Status in keyof Responses<Op>]: { status: Status; body: ResponseBody<Responses<Op>[Status]> };
}[keyof Responses<Op>];

/** An operation's path parameters. */
type PathParameters<Op> = Op extends { parameters: { path: infer P } } ? P : never;

/** An operation's JSON request body. */
type JsonBody<Op> = Op extends { requestBody: { content: { "application/json": infer B } } } ? B : never;

/** Fills `{name}` placeholders of a spec path with percent-encoded values. */
function expandPath(template: string, parameters: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = parameters[name];
    if (value === undefined) {
      throw new Error(`no value for path parameter ${name}`);
    }
    return encodeURIComponent(value);
  });
}

async function send<Op>(
  api: Api,
  method: string,
  path: string,
  options: { query?: Record<string, string | number | boolean | undefined>; body?: unknown } = {},
): Promise<Outcome<Op>> {
  const url = new URL(api.baseUrl + path);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) {
      url.searchParams.set(name, String(value));
    }
  }
  const init: RequestInit = { method, headers: { ...api.headers, "Content-Type": "application/json" } };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  // The cast is the one place where the wire meets the types: the sandbox tests (Python) check
  // that the documented statuses come with the documented bodies.
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) } as Outcome<Op>;
}

// Attestr: Update Profile and Archive Profile.

const UPDATE_PROFILE = "/public/factx/{profileId}" satisfies keyof AttestrPaths;
const ARCHIVE_PROFILE = "/public/factx/{profileId}/archive" satisfies keyof AttestrPaths;

export function updateProfile(
  api: Api,
  path: PathParameters<Attestr["updateProfile"]>,
  body: JsonBody<Attestr["updateProfile"]>,
): Promise<Outcome<Attestr["updateProfile"]>> {
  return send<Attestr["updateProfile"]>(api, "PUT", expandPath(UPDATE_PROFILE, path), { body });
}

export function archiveProfile(
  api: Api,
  path: PathParameters<Attestr["archiveProfile"]>,
): Promise<Outcome<Attestr["archiveProfile"]>> {
  return send<Attestr["archiveProfile"]>(api, "PUT", expandPath(ARCHIVE_PROFILE, path));
}

// Trust: an Atenea token, then Delete Identity.

const CREATE_ACCESS_TOKEN = "/oauth/token/" satisfies keyof TrustPaths;
const DELETE_IDENTITY = "/identity/{uuid}" satisfies keyof TrustPaths;

export function createAccessToken(
  atenea: Api,
  body: JsonBody<Trust["createAccessToken"]>,
): Promise<Outcome<Trust["createAccessToken"]>> {
  return send<Trust["createAccessToken"]>(atenea, "POST", CREATE_ACCESS_TOKEN, { body });
}

export function deleteIdentity(
  api: Api,
  path: PathParameters<Trust["deleteIdentity"]>,
): Promise<Outcome<Trust["deleteIdentity"]>> {
  return send<Trust["deleteIdentity"]>(api, "DELETE", expandPath(DELETE_IDENTITY, path));
}

// Gainsight PX: Delete User.

const DELETE_USER = "/v1/users/{identifyId}" satisfies keyof GainsightPxPaths;

export function deleteUser(
  api: Api,
  path: PathParameters<GainsightPx["deleteUser"]>,
  query: NonNullable<GainsightPx["deleteUser"]["parameters"]["query"]> = {},
): Promise<Outcome<GainsightPx["deleteUser"]>> {
  return send<GainsightPx["deleteUser"]>(api, "DELETE", expandPath(DELETE_USER, path), { query: { ...query } });
}

/** The calls a service makes, against the sandbox's demo credentials. Compiled, not run here. */
export async function eraseEverywhere(sandbox: string): Promise<string[]> {
  const log: string[] = [];
  const attestr: Api = { baseUrl: `${sandbox}/attestr/api/v1`, headers: { Authorization: "Basic c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ=" } };
  const updated = await updateProfile(attestr, { profileId: "AX1LgghsxZsJZUwYvN" }, { tag: "AA-1234", name: "Asha Example" });
  if (updated.status === 400) {
    // The body is Attestr's error object: `code` is a number.
    const code: number = updated.body.code;
    log.push(`update refused: ${code} ${updated.body.message}`);
  }
  const archived = await archiveProfile(attestr, { profileId: "AX1LgghsxZsJZUwYvN" });
  if (archived.status === 200) {
    const nothing: undefined = archived.body;
    log.push(`archived ${String(nothing)}`);
  }

  const atenea: Api = { baseUrl: `${sandbox}/atenea`, headers: {} };
  const token = await createAccessToken(atenea, {
    client_id: "sandbox-client",
    client_secret: "sandbox-secret",
    grant_type: "client_credentials",
  });
  if (token.status === 200) {
    const index: Api = { baseUrl: `${sandbox}/trust/index/v1`, headers: { Authorization: `Bearer ${token.body.access_token}` } };
    const deleted = await deleteIdentity(index, { uuid: "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb" });
    if (deleted.status === 404) {
      log.push(deleted.body.message);
    } else {
      log.push(`deleted ${deleted.body.data?.uuid ?? "?"}`);
    }
  }

  const px: Api = { baseUrl: `${sandbox}/gainsight-px`, headers: { "X-APTRINSIC-API-KEY": "sandbox-px-key" } };
  const removed = await deleteUser(px, { identifyId: "jdoe@example.com" }, { hardDelete: true });
  if (removed.status === 404 || removed.status === 401 || removed.status === 429) {
    log.push(`not deleted: ${removed.body.externalapierror?.status ?? "?"}`);
  }
  return log;
}

/** Calls the spec forbids. Each must fail to compile; `tsc` fails if one ever compiles. */
export async function forbiddenCalls(attestr: Api, index: Api, px: Api): Promise<void> {
  // @ts-expect-error Update Profile's body requires `name`.
  await updateProfile(attestr, { profileId: "AX1LgghsxZsJZUwYvN" }, { tag: "AA-1234" });
  // @ts-expect-error Archive Profile takes `profileId`, not `id`.
  await archiveProfile(attestr, { id: "AX1LgghsxZsJZUwYvN" });
  // @ts-expect-error Atenea's `grant_type` is the enum `client_credentials`.
  await createAccessToken(index, { client_id: "a", client_secret: "b", grant_type: "password" });
  // @ts-expect-error Delete Identity's `uuid` is a string.
  await deleteIdentity(index, { uuid: 42 });
  // @ts-expect-error Delete User's `hardDelete` is a boolean.
  await deleteUser(px, { identifyId: "jdoe@example.com" }, { hardDelete: "yes" });
  const outcome = await deleteIdentity(index, { uuid: "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb" });
  // @ts-expect-error Delete Identity documents 200 and 404 only.
  if (outcome.status === 500) {
    return;
  }
}
