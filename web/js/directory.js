// Names for ids: agencies (and this user's own agency and time zone).

import { get } from './api.js';

const agencies = new Map();
let loading = null;

export function loadAgencies() {
  loading ??= get('/agencies').then((list) => {
    for (const a of list) agencies.set(a.id, a);
    return agencies;
  }).catch((e) => {
    loading = null;
    throw e;
  });
  return loading;
}

export const agency = (id) => agencies.get(id);
export const agencyName = (id) => agencies.get(id)?.name ?? (id ? `agency …${id.slice(-6)}` : 'nobody');
