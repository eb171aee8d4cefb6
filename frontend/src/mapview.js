// The map: sites as canvas markers, plume outlines, enhancement overlays and the operational layers.
import L from 'leaflet';
import { wktToGeoJSON } from '@terraformer/wkt';
import { addBasemap } from './basemap.js';
import { getJson, imageUrl, withQuery } from './api.js';
import { tlpText } from './tlp.js';
import { GAS_COLOURS, LAYER_STYLES, STATUS_STYLES, gasColour, siteStyle } from './style.js';

const OVERLAY_MIN_ZOOM = 12;
const MAX_OVERLAYS_IN_VIEW = 40;
const LAYER_NAMES = {
  footprints: 'Overflight footprints',
  tracks: 'Flight tracks',
  plans: 'Planned lines',
  airspace: 'Permitted airspace',
};

export class MapView {
  constructor(element, { onSelect, enhancement }) {
    this.onSelect = onSelect;
    this.enhancement = enhancement;
    this.map = L.map(element, { preferCanvas: true, worldCopyJump: true, zoomSnap: 0.5 }).setView([20, 0], 2);
    this.renderer = L.canvas({ padding: 0.3 });
    this.sitesLayer = L.layerGroup().addTo(this.map);
    this.plumesLayer = L.featureGroup().addTo(this.map);
    this.overlaysLayer = L.layerGroup().addTo(this.map);
    this.markers = new Map();
    this.overlays = new Map();
    this.plumes = [];
    this.visibleSiteIds = new Set();
    this.highlight = null;
    const bases = addBasemap(this.map);
    this.control = L.control.layers(bases, {
      Sites: this.sitesLayer,
      'Plume outlines': this.plumesLayer,
      'Enhancement (ppm·m)': this.overlaysLayer,
    }, { collapsed: false }).addTo(this.map);
    L.control.scale({ imperial: false }).addTo(this.map);
    this.addLegend();
    this.map.on('moveend overlayadd', () => this.refreshOverlays());
  }

  addLegend() {
    const legend = L.control({ position: 'bottomright' });
    legend.onAdd = () => {
      const box = L.DomUtil.create('div', 'legend');
      const gases = Object.entries(GAS_COLOURS).map(([gas, colour]) =>
        `<span><i style="background:${colour}"></i>${gas.toUpperCase()}</span>`).join('');
      const statuses = Object.entries(STATUS_STYLES).map(([status, s]) =>
        `<span><i class="ring" style="border-color:${s.color};border-style:${s.dashArray ? 'dashed' : 'solid'};`
        + `opacity:${0.4 + s.fillOpacity / 2}"></i>${status}</span>`)
        .join('');
      box.innerHTML = `<b>Fill: gas</b>${gases}<span><i style="background:${gasColour('other')}"></i>other</span>`
        + `<b>Ring: status</b>${statuses}`;
      return box;
    };
    legend.addTo(this.map);
  }

  setSites(sites) {
    this.sites = sites;
    this.markers.clear();
    const bounds = L.latLngBounds(sites.map((s) => [s.lat_deg, s.lon_deg]));
    if (bounds.isValid()) this.map.fitBounds(bounds.pad(0.2), { maxZoom: 13 });
  }

  marker(index) {
    let marker = this.markers.get(index);
    if (!marker) {
      const site = this.sites[index];
      marker = L.circleMarker([site.lat_deg, site.lon_deg], { ...siteStyle(site), renderer: this.renderer });
      marker.bindTooltip(text(`${site.site_id} · ${site.gases.join(', ').toUpperCase()} · ${site.status} · `
        + `${tlpText(site.tlp)}`));
      marker.on('click', () => this.onSelect(site.site_id, 'map'));
      this.markers.set(index, marker);
    }
    return marker;
  }

  // Show only these sites (indices into the site array), and only their plumes.
  showSites(indices) {
    this.sitesLayer.clearLayers();
    for (const index of indices) this.sitesLayer.addLayer(this.marker(index));
    this.visibleSiteIds = new Set(indices.map((i) => this.sites[i].site_id));
    this.drawPlumes();
  }

  setPlumes(plumes) {
    this.plumes = plumes.map((p) => ({ ...p, geometry: wktToGeoJSON(p.outline_wkt) }));
    this.drawPlumes();
  }

  drawPlumes() {
    this.plumesLayer.clearLayers();
    for (const plume of this.plumes) {
      if (!this.visibleSiteIds.has(plume.site_id)) continue;
      const outline = L.geoJSON(plume.geometry, {
        style: { color: gasColour(plume.gas), weight: 2, fillOpacity: 0.15 },
        renderer: this.renderer,
      });
      outline.bindTooltip(text(`${plume.gas.toUpperCase()} plume ${plume.time.slice(0, 16)}Z · `
        + `max ${plume.max_ppmm.toFixed(0)} ppm·m · ${tlpText(plume.tlp)}`));
      outline.on('click', () => this.onSelect(plume.site_id, 'map'));
      this.plumesLayer.addLayer(outline);
    }
    this.refreshOverlays();
  }

  async refreshOverlays() {
    if (!this.enhancement || !this.map.hasLayer(this.overlaysLayer)) return;
    const view = this.map.getBounds();
    const wanted = this.map.getZoom() < OVERLAY_MIN_ZOOM ? [] : this.plumes
      .filter((p) => this.visibleSiteIds.has(p.site_id)
        && view.contains([p.source_lat_deg, p.source_lon_deg]))
      .slice(-MAX_OVERLAYS_IN_VIEW);
    const keep = new Set(wanted.map((p) => p.plume_id));
    for (const [id, overlay] of this.overlays) {
      if (!keep.has(id) && overlay) this.overlaysLayer.removeLayer(overlay);
    }
    await Promise.all(wanted.map((plume) => this.addOverlay(plume)));
  }

  async addOverlay(plume) {
    if (this.overlays.has(plume.plume_id)) {
      const known = this.overlays.get(plume.plume_id);
      if (known) this.overlaysLayer.addLayer(known);
      return;
    }
    this.overlays.set(plume.plume_id, null);
    try {
      const path = `/api/v1/dashboard/plumes/${encodeURIComponent(plume.plume_id)}/enhancement`;
      const info = await getJson(path);
      const [west, south, east, north] = info.bounds_deg;
      const overlay = L.imageOverlay(await imageUrl(info.image_href), [[south, west], [north, east]], {
        opacity: 1, className: 'enhancement', alt: `enhancement of ${plume.plume_id}`,
      });
      this.overlays.set(plume.plume_id, overlay);
      this.overlaysLayer.addLayer(overlay);
    } catch {
      // no product for this plume on the server: its outline still shows
    }
  }

  async addOperationalLayers(kinds, since, until) {
    for (const kind of kinds) {
      const collection = await getJson(withQuery(`/api/v1/dashboard/layers/${kind}`, { since, until }));
      const layer = L.geoJSON(collection, {
        style: LAYER_STYLES[kind],
        // One canvas for every clickable vector: a canvas on top would swallow the clicks of one below.
        renderer: this.renderer,
        interactive: kind !== 'footprints',
        onEachFeature: (f, l) => l.bindTooltip(text(describe(kind, f.properties))),
      });
      layer.addTo(this.map);
      layer.bringToBack();
      this.control.addOverlay(layer, `${LAYER_NAMES[kind]} (${collection.features.length})`);
    }
  }

  // Where a site is drawn, in pixels from the map's top-left corner (null when it is not drawn).
  pointOf(siteId) {
    const index = this.sites.findIndex((s) => s.site_id === siteId);
    const marker = this.markers.get(index);
    if (!marker || !this.sitesLayer.hasLayer(marker)) return null;
    const point = this.map.latLngToContainerPoint(marker.getLatLng());
    return { x: point.x, y: point.y };
  }

  select(siteId, { pan = true } = {}) {
    if (this.highlight) this.highlight.remove();
    const index = this.sites.findIndex((s) => s.site_id === siteId);
    if (index < 0) return;
    const site = this.sites[index];
    this.highlight = L.circleMarker([site.lat_deg, site.lon_deg], {
      radius: 13, color: '#d53f8c', weight: 3, fill: false, interactive: false, renderer: this.renderer,
    }).addTo(this.map);
    if (pan) this.map.setView([site.lat_deg, site.lon_deg], Math.max(this.map.getZoom(), 12));
  }

  // Let the user drag a rectangle; calls back with [west, south, east, north] in degrees.
  drawArea(callback) {
    const map = this.map;
    const container = map.getContainer();
    let start = null;
    let box = null;
    map.dragging.disable();
    container.classList.add('drawing');
    const down = (event) => {
      start = event.latlng;
      box = L.rectangle([start, start], { color: '#d53f8c', weight: 2, fillOpacity: 0.05, interactive: false })
        .addTo(map);
    };
    const move = (event) => {
      if (start) box.setBounds([start, event.latlng]);
    };
    const up = (event) => {
      if (!start) return;
      map.off('mousedown', down).off('mousemove', move).off('mouseup', up);
      map.dragging.enable();
      container.classList.remove('drawing');
      const bounds = L.latLngBounds([start, event.latlng]);
      box.remove();
      callback([bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]);
    };
    map.on('mousedown', down).on('mousemove', move).on('mouseup', up);
  }

  showArea(area) {
    if (this.areaBox) this.areaBox.remove();
    this.areaBox = null;
    if (area) {
      const [west, south, east, north] = area;
      this.areaBox = L.rectangle([[south, west], [north, east]], {
        color: '#d53f8c', weight: 2, dashArray: '6 4', fill: false, interactive: false,
      }).addTo(this.map);
    }
  }
}

// Tooltip content as a text node: names from files and the catalog are never parsed as HTML.
function text(content) {
  const span = document.createElement('span');
  span.textContent = content;
  return span;
}

function describe(kind, p) {
  const marking = tlpText(p.tlp);
  if (kind === 'footprints') return `${p.scene_name} · ${p.acquired.slice(0, 16)}Z · ${p.gases.join(', ')} · ${marking}`;
  if (kind === 'tracks') return `track ${p.name} · ${p.start} → ${p.end} · ${marking}`;
  if (kind === 'plans') return `plan ${p.plan}${p.line_number ? ` line ${p.line_number}` : ''} · ${marking}`;
  const limits = `${p.floor_m ?? 'GND'}–${p.ceiling_m ?? 'UNL'} m`;
  return `permitted: ${p.name} · ${limits} · ${marking}`;
}
