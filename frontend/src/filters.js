// Which sites pass the filters. Gas, status, marking, text and area are applied here; the time range
// is asked of the API (detections in the range), which answers with the ids that pass it.
export function emptyFilters() {
  return { text: '', gas: '', statuses: new Set(), tlps: new Set(), since: '', until: '', area: null };
}

export function inArea(site, area) {
  if (!area) return true;
  const [west, south, east, north] = area;
  if (site.lat_deg < south || site.lat_deg > north) return false;
  return west <= east ? site.lon_deg >= west && site.lon_deg <= east : site.lon_deg >= west || site.lon_deg <= east;
}

// Indices of the sites that pass; ``timeIds`` is the set the API returned for the time range, or null.
export function filterSites(sites, filters, timeIds) {
  const text = filters.text.trim().toLowerCase();
  const passed = [];
  for (let i = 0; i < sites.length; i += 1) {
    const site = sites[i];
    if (text && !site.site_id.toLowerCase().includes(text)) continue;
    if (filters.gas && !site.gases.includes(filters.gas)) continue;
    if (filters.statuses.size && !filters.statuses.has(site.status)) continue;
    if (filters.tlps.size && !filters.tlps.has(site.tlp)) continue;
    if (timeIds && !timeIds.has(site.site_id)) continue;
    if (!inArea(site, filters.area)) continue;
    passed.push(i);
  }
  return passed;
}

export const hasTimeRange = (filters) => Boolean(filters.since || filters.until);

// The API's since/until for the date inputs: whole UTC days, both ends included.
export function timeParams(filters) {
  return {
    since: filters.since ? `${filters.since}T00:00:00Z` : null,
    until: filters.until ? `${filters.until}T23:59:59Z` : null,
  };
}
