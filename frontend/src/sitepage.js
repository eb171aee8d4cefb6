// One site's page: facts and status rule, exports, a map of its plumes, timeline, emission history, images.
import L from 'leaflet';
import { wktToGeoJSON } from '@terraformer/wkt';
import { download, getJson, imageUrl } from './api.js';
import { addBasemap } from './basemap.js';
import { detectionTimeline, emissionHistory } from './charts.js';
import { day, fmt, h } from './dom.js';
import { gasColour, siteStyle } from './style.js';
import { tlpBadge } from './tlp.js';

const FORMAT_LABELS = { stix: 'STIX 2.1', geojson: 'GeoJSON', kml: 'KML', kmz: 'KMZ', cot: 'CoT', csv: 'CSV' };

export async function renderSitePage(container, siteId, config) {
  container.replaceChildren(h('p', { className: 'loading' }, `Loading ${siteId}…`));
  const path = `/api/v1/sites/${encodeURIComponent(siteId)}`;
  const detail = await getJson(path);
  const { site, observations, plumes } = detail;
  const status = h('p', { className: 'export-status', role: 'status' });
  const exportButton = (label, url) => h('button', {
    className: 'export',
    'data-format': label,
    onclick: async () => {
      status.textContent = `Preparing ${label}…`;
      try {
        const file = await download(url);
        status.textContent = `Downloaded ${file.name} (${file.bytes} bytes, TLP:${file.tlp || site.tlp.toUpperCase()})`;
      } catch (error) {
        status.textContent = `Export failed: ${error.message}`;
      }
    },
  }, label);
  const exports = config.formats.map((fmtName) =>
    exportButton(FORMAT_LABELS[fmtName] || fmtName, `${path}/export/${fmtName}`));
  exports.push(exportButton('HTML report', `${path}/report`));

  const facts = h('dl', { className: 'facts' },
    h('dt', {}, 'Location'), h('dd', {}, `${site.lat_deg.toFixed(5)}°, ${site.lon_deg.toFixed(5)}° `
      + `(±${fmt(site.position_sigma_m)} m, 1σ)`),
    h('dt', {}, 'Gases'), h('dd', {}, site.gases.map((g) => h('span', { className: 'gas-chip', style:
      `background:${gasColour(g)}` }, g.toUpperCase()))),
    h('dt', {}, 'Status'), h('dd', { className: 'status-rule' }, h('span', { className: `status status-${site.status}` },
      site.status), ` ${site.status_reason}`),
    h('dt', {}, 'Detections'), h('dd', {}, `${site.n_detections} of ${site.n_overflights} overflights `
      + `(persistence ${(100 * site.persistence).toFixed(0)} %)`),
    h('dt', {}, 'Seen'), h('dd', {}, `${day(site.first_seen)} → ${day(site.last_seen)}`),
    h('dt', {}, 'Mean emission'), h('dd', {}, site.mean_emission_kg_h === null ? 'no rate (no wind)'
      : `${fmt(site.mean_emission_kg_h)} ± ${fmt(site.emission_sigma_kg_h)} kg/h`),
    h('dt', {}, 'Flags'), h('dd', {}, site.flags.length ? site.flags.join(', ') : 'none'),
    h('dt', {}, 'Releasability'), h('dd', {}, tlpBadge(site.tlp, site.release_to)));

  const mapElement = h('div', { className: 'site-map', id: 'site-map' });
  const gallery = h('div', { className: 'gallery' }, plumes.map((p) => plumeCard(p, config)));
  const rows = observations.map((o) => h('tr', { className: o.detected ? 'seen' : 'not-seen' },
    h('td', {}, day(o.time)), h('td', {}, o.scene_name), h('td', {}, o.gas.toUpperCase()),
    h('td', {}, o.detected ? 'seen' : 'not seen'), h('td', {}, fmt(o.max_ppmm)),
    h('td', {}, o.emission_kg_h === null ? (o.emission_note || '–')
      : `${fmt(o.emission_kg_h)} ± ${fmt(o.emission_sigma_kg_h)}`)));

  container.replaceChildren(h('article', { className: 'site-page', 'data-site-id': site.site_id },
    h('header', { className: 'site-head' }, h('a', { href: '#/', className: 'back' }, '← Map'),
      h('h1', {}, site.site_id), tlpBadge(site.tlp, site.release_to)),
    h('div', { className: 'site-top' }, h('section', {}, facts, h('div', { className: 'exports' },
      h('span', {}, 'Export:'), exports), status), mapElement),
    h('section', {}, h('h2', {}, 'Detection timeline'),
      h('p', { className: 'hint' }, 'Each overflight that covered the site: filled = seen emitting, ring = looked, not seen.'),
      detectionTimeline(observations)),
    h('section', {}, h('h2', {}, 'Emission-rate history'),
      h('p', { className: 'hint' }, 'Each detection with a rate; bars are ±1σ.'), emissionHistory(observations)),
    h('section', {}, h('h2', {}, `Plume images (${plumes.length})`), gallery),
    h('section', {}, h('h2', {}, 'Overflights'), h('table', { className: 'observations' },
      h('thead', {}, h('tr', {}, ['Time', 'Scene', 'Gas', 'Result', 'Max ppm·m', 'Rate kg/h'].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows)))));
  siteMap(mapElement, site, plumes, config);
}

function plumeCard(plume, config) {
  const figure = h('figure', { className: 'plume-card', 'data-plume-id': plume.plume_id },
    h('div', { className: 'plume-image' }, config.enhancement ? 'loading image…' : 'no products on this server'),
    h('figcaption', {}, tlpBadge(plume.tlp, plume.release_to),
      h('div', {}, `${plume.gas.toUpperCase()} · ${day(plume.time)}`),
      h('div', {}, `max ${fmt(plume.max_ppmm)} ppm·m · IME ${fmt(plume.ime_kg, 1)} kg`),
      h('div', {}, plume.emission_kg_h === null ? 'no rate'
        : `${fmt(plume.emission_kg_h)} ± ${fmt(plume.emission_sigma_kg_h)} kg/h`)));
  if (config.enhancement) loadPlumeImage(figure.querySelector('.plume-image'), plume);
  return figure;
}

async function loadPlumeImage(holder, plume) {
  try {
    const info = await getJson(`/api/v1/dashboard/plumes/${encodeURIComponent(plume.plume_id)}/enhancement`);
    const image = h('img', { alt: `${plume.gas} enhancement, ${plume.plume_id}`, src: await imageUrl(info.image_href) });
    holder.replaceChildren(image, h('div', { className: 'colour-bar' },
      h('span', {}, '0'), h('i', {}), h('span', {}, `${fmt(info.vmax_ppmm)} ppm·m`)));
  } catch {
    holder.textContent = 'no image for this plume';
  }
}

function siteMap(element, site, plumes, config) {
  const map = L.map(element, { preferCanvas: true, zoomSnap: 0.5 }).setView([site.lat_deg, site.lon_deg], 14);
  addBasemap(map);
  L.circleMarker([site.lat_deg, site.lon_deg], siteStyle(site)).addTo(map);
  L.circle([site.lat_deg, site.lon_deg], { radius: Math.max(site.position_sigma_m, 1), color: '#d53f8c',
    weight: 1, fill: false, interactive: false }).addTo(map);
  const outlines = L.geoJSON(null, { style: (f) => ({ color: gasColour(f.properties.gas), weight: 2, fillOpacity: 0.1 }) })
    .addTo(map);
  for (const plume of plumes) {
    outlines.addData({ type: 'Feature', geometry: wktToGeoJSON(plume.outline_wkt), properties: { gas: plume.gas } });
  }
  if (outlines.getBounds().isValid()) map.fitBounds(outlines.getBounds().pad(0.3), { maxZoom: 16 });
  if (config.enhancement && plumes.length) {
    const latest = plumes[plumes.length - 1];
    getJson(`/api/v1/dashboard/plumes/${encodeURIComponent(latest.plume_id)}/enhancement`)
      .then(async (info) => {
        const [west, south, east, north] = info.bounds_deg;
        L.imageOverlay(await imageUrl(info.image_href), [[south, west], [north, east]]).addTo(map);
      })
      .catch(() => {});
  }
}
