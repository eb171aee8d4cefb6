// The site page's two plots, drawn as SVG with d3: detection timeline and emission-rate history.
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleBand, scaleLinear, scaleUtc } from 'd3-scale';
import { create } from 'd3-selection';
import { utcFormat } from 'd3-time-format';
import { gasColour } from './style.js';

const WIDTH = 720;
const MARGIN = { top: 12, right: 20, bottom: 30, left: 64 };
const stamp = utcFormat('%Y-%m-%d %H:%MZ');

function timeScale(times) {
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  const pad = Math.max((hi - lo) * 0.05, 12 * 3600 * 1000);
  return scaleUtc().domain([new Date(lo - pad), new Date(hi + pad)]).range([MARGIN.left, WIDTH - MARGIN.right]);
}

// One row per gas; a filled dot where the overflight saw the site emitting, a ring where it looked and saw nothing.
export function detectionTimeline(observations) {
  const gases = [...new Set(observations.map((o) => o.gas))];
  const height = MARGIN.top + MARGIN.bottom + 34 * Math.max(gases.length, 1);
  const svg = create('svg').attr('viewBox', `0 0 ${WIDTH} ${height}`).attr('class', 'chart timeline')
    .attr('role', 'img').attr('aria-label', 'detection timeline');
  if (!observations.length) return svg.node();
  const times = observations.map((o) => Date.parse(o.time));
  const x = timeScale(times);
  const y = scaleBand().domain(gases).range([MARGIN.top, height - MARGIN.bottom]).padding(0.3);
  svg.append('g').attr('transform', `translate(0,${height - MARGIN.bottom})`).call(axisBottom(x).ticks(6));
  svg.append('g').attr('transform', `translate(${MARGIN.left},0)`)
    .call(axisLeft(y).tickFormat((g) => g.toUpperCase()));
  svg.append('g').selectAll('circle').data(observations).join('circle')
    .attr('class', (o) => (o.detected ? 'seen' : 'not-seen'))
    .attr('cx', (o) => x(new Date(o.time)))
    .attr('cy', (o) => y(o.gas) + y.bandwidth() / 2)
    .attr('r', 6)
    .attr('fill', (o) => (o.detected ? gasColour(o.gas) : '#ffffff'))
    .attr('stroke', (o) => gasColour(o.gas))
    .attr('stroke-width', 2)
    .append('title')
    .text((o) => `${stamp(new Date(o.time))} ${o.scene_name}: ${o.detected ? 'seen emitting' : 'not seen'}`);
  return svg.node();
}

// Emission rate (kg/h) of each detection with its 1-sigma bar, coloured by gas.
export function emissionHistory(observations) {
  const rated = observations.filter((o) => o.detected && o.emission_kg_h !== null);
  const height = 240;
  const svg = create('svg').attr('viewBox', `0 0 ${WIDTH} ${height}`).attr('class', 'chart emissions')
    .attr('role', 'img').attr('aria-label', 'emission-rate history');
  if (!rated.length) return svg.node();
  const x = timeScale(rated.map((o) => Date.parse(o.time)));
  const top = Math.max(...rated.map((o) => o.emission_kg_h + (o.emission_sigma_kg_h || 0)));
  const y = scaleLinear().domain([0, top * 1.1]).nice().range([height - MARGIN.bottom, MARGIN.top]);
  svg.append('g').attr('transform', `translate(0,${height - MARGIN.bottom})`).call(axisBottom(x).ticks(6));
  svg.append('g').attr('transform', `translate(${MARGIN.left},0)`).call(axisLeft(y).ticks(5));
  svg.append('text').attr('transform', 'rotate(-90)').attr('x', -(height - MARGIN.bottom + MARGIN.top) / 2)
    .attr('y', 16).attr('text-anchor', 'middle').attr('class', 'axis-label').text('emission rate (kg/h)');
  const sigma = (o) => o.emission_sigma_kg_h || 0;
  const bars = svg.append('g').selectAll('g').data(rated).join('g').attr('class', 'rate');
  bars.append('line').attr('class', 'error-bar')
    .attr('x1', (o) => x(new Date(o.time))).attr('x2', (o) => x(new Date(o.time)))
    .attr('y1', (o) => y(Math.max(0, o.emission_kg_h - sigma(o)))).attr('y2', (o) => y(o.emission_kg_h + sigma(o)))
    .attr('stroke', (o) => gasColour(o.gas)).attr('stroke-width', 2);
  for (const end of [-1, 1]) {
    bars.append('line')
      .attr('x1', (o) => x(new Date(o.time)) - 5).attr('x2', (o) => x(new Date(o.time)) + 5)
      .attr('y1', (o) => y(Math.max(0, o.emission_kg_h + end * sigma(o))))
      .attr('y2', (o) => y(Math.max(0, o.emission_kg_h + end * sigma(o))))
      .attr('stroke', (o) => gasColour(o.gas)).attr('stroke-width', 2);
  }
  bars.append('circle').attr('cx', (o) => x(new Date(o.time))).attr('cy', (o) => y(o.emission_kg_h)).attr('r', 5)
    .attr('fill', (o) => gasColour(o.gas))
    .append('title')
    .text((o) => `${stamp(new Date(o.time))} ${o.gas.toUpperCase()}: ${o.emission_kg_h.toFixed(0)} ± `
      + `${sigma(o).toFixed(0)} kg/h`);
  return svg.node();
}
