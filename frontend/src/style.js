// How sites, plumes and layers look: fill by gas, outline by status.
export const GAS_COLOURS = {
  ch4: '#e6550d',
  co2: '#3182bd',
  nh3: '#31a354',
  h2o: '#17becf',
  so2: '#bcbd22',
};
const OTHER_GAS = '#9467bd';

export const gasColour = (gas) => GAS_COLOURS[gas] || OTHER_GAS;

export const STATUS_STYLES = {
  confirmed: { radius: 7, color: '#111111', weight: 2.5, fillOpacity: 0.95, dashArray: null },
  candidate: { radius: 6, color: '#ffffff', weight: 2, fillOpacity: 0.75, dashArray: '3 2' },
  dormant: { radius: 5, color: '#555555', weight: 1.5, fillOpacity: 0.3, dashArray: null },
};

export function siteStyle(site) {
  const status = STATUS_STYLES[site.status] || STATUS_STYLES.candidate;
  return { ...status, fillColor: gasColour(site.gases[0]) };
}

export const LAYER_STYLES = {
  footprints: { color: '#2b6cb0', weight: 1, dashArray: '4 3', fillOpacity: 0.04 },
  tracks: { color: '#6b46c1', weight: 2 },
  plans: { color: '#1a202c', weight: 2, dashArray: '8 6' },
  airspace: { color: '#2f855a', weight: 1.5, fillOpacity: 0.08 },
};
