// The partner API and the dashboard's own endpoints, always with the partner's Bearer key.
const KEY_NAME = 'plumewatch.apiKey';
const PAGE_LIMIT = 1000; // the API's largest page

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const apiKey = () => sessionStorage.getItem(KEY_NAME);
export const setApiKey = (key) => sessionStorage.setItem(KEY_NAME, key);
export const clearApiKey = () => sessionStorage.removeItem(KEY_NAME);

export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export async function fetchApi(path, { accept = 'application/json' } = {}) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${apiKey()}`, Accept: accept } });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = await response.json();
      detail = typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail);
    } catch {
      // a body that is not JSON keeps the status text
    }
    throw new ApiError(response.status, detail);
  }
  return response;
}

export async function getJson(path, params) {
  return (await fetchApi(withQuery(path, params))).json();
}

// Every item of a paged list (sites, plumes), one page after another.
export async function getAllPages(path, params = {}) {
  const items = [];
  let offset = 0;
  for (;;) {
    const page = await getJson(path, { ...params, limit: PAGE_LIMIT, offset });
    items.push(...page.items);
    if (page.next_offset === null || page.next_offset === undefined) return items;
    offset = page.next_offset;
  }
}

// A file from an export endpoint, saved under the server's file name.
export async function download(path) {
  const response = await fetchApi(path, { accept: '*/*' });
  const disposition = response.headers.get('Content-Disposition') || '';
  const match = /filename="([^"]+)"/.exec(disposition);
  const name = match ? match[1] : path.split('/').pop();
  const blob = await response.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  return { name, tlp: response.headers.get('X-TLP'), bytes: blob.size };
}

// An image the browser may not fetch itself (it needs the Bearer header), as an object URL.
export async function imageUrl(path) {
  const response = await fetchApi(path, { accept: 'image/png' });
  return URL.createObjectURL(await response.blob());
}
