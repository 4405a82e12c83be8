// The JSON API. The session rides in the HttpOnly cookie login sets, so no token is kept in
// the page; every call goes to this origin only.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let unauthenticated = () => {};

/** Called when the server says the session is gone (logged out elsewhere, idle too long). */
export function onUnauthenticated(handler) {
  unauthenticated = handler;
}

export async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, 'unreachable', 'The server cannot be reached; retrying when it is back.');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const e = json?.error;
    const error = new ApiError(response.status, e?.code ?? `http_${response.status}`, e?.message ?? (text || response.statusText), e?.field);
    if (response.status === 401 && path !== '/sessions') unauthenticated(error);
    throw error;
  }
  return json;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body ?? {});
export const del = (path) => request('DELETE', path);

/** An action on an incident (`{action: 'add_note', text}` …); answers {events, incident}. */
export const act = (incidentId, action) => post(`/incidents/${incidentId}/actions`, action);
