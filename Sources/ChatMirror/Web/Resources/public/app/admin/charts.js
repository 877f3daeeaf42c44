// Small SVG charts drawn through the DOM: bars over time or by name, and a line. Labels are text nodes, so
// whatever a model or user name holds is shown as text. No library.
const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) if (value != null) el.setAttribute(key, String(value));
  if (text != null) el.textContent = text;
  return el;
}

/** A compact number: 1234 → "1.2k", 2500000 → "2.5M". */
export function compact(value) {
  const n = Number(value) || 0;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(n * 100) / 100);
}

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
function niceMax(max) {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max);
}

function frame(width, height, label) {
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label });
}

function axis(root, { width, height, pad, top }) {
  root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: height - pad.bottom, y2: height - pad.bottom,
    class: 'chart-axis' }));
  root.append(svg('text', { x: pad.left - 6, y: pad.top + 4, class: 'chart-tick', 'text-anchor': 'end' }, compact(top)));
  root.append(svg('text', { x: pad.left - 6, y: height - pad.bottom, class: 'chart-tick', 'text-anchor': 'end' }, '0'));
  root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: pad.top, y2: pad.top, class: 'chart-grid' }));
}

/**
 * Vertical bars: `points` = [{label, value, title?}]; every `labelEvery`-th label is written under its bar.
 * Hovering a bar shows its title (label and value).
 */
export function barChart(points, { label = '', labelEvery = 1, width = 560, height = 180 } = {}) {
  const pad = { top: 10, right: 8, bottom: 24, left: 40 };
  const root = frame(width, height, label);
  const top = niceMax(Math.max(0, ...points.map((p) => p.value)));
  axis(root, { width, height, pad, top });
  const inner = width - pad.left - pad.right;
  const slot = inner / Math.max(1, points.length);
  points.forEach((point, i) => {
    const barHeight = ((height - pad.top - pad.bottom) * point.value) / top;
    const x = pad.left + i * slot + slot * 0.15;
    const bar = svg('rect', { x, y: height - pad.bottom - barHeight, width: Math.max(1, slot * 0.7),
      height: Math.max(0, barHeight), class: 'chart-bar' });
    bar.append(svg('title', {}, point.title || `${point.label}: ${point.value}`));
    root.append(bar);
    if (i % labelEvery === 0) {
      root.append(svg('text', { x: x + slot * 0.35, y: height - 8, class: 'chart-tick', 'text-anchor': 'middle' },
        point.label));
    }
  });
  return root;
}

/** A line with dots over time: same `points` as barChart. */
export function lineChart(points, { label = '', labelEvery = 1, width = 560, height = 180 } = {}) {
  const pad = { top: 10, right: 12, bottom: 24, left: 40 };
  const root = frame(width, height, label);
  const top = niceMax(Math.max(0, ...points.map((p) => p.value)));
  axis(root, { width, height, pad, top });
  const step = (width - pad.left - pad.right) / Math.max(1, points.length - 1);
  const xy = points.map((p, i) => [pad.left + i * step, height - pad.bottom - ((height - pad.top - pad.bottom) * p.value) / top]);
  if (xy.length > 1) root.append(svg('polyline', { points: xy.map(([x, y]) => `${x},${y}`).join(' '), class: 'chart-line' }));
  points.forEach((point, i) => {
    const dot = svg('circle', { cx: xy[i][0], cy: xy[i][1], r: 3, class: 'chart-dot' });
    dot.append(svg('title', {}, point.title || `${point.label}: ${point.value}`));
    root.append(dot);
    if (i % labelEvery === 0) {
      root.append(svg('text', { x: xy[i][0], y: height - 8, class: 'chart-tick', 'text-anchor': 'middle' }, point.label));
    }
  });
  return root;
}

/** Horizontal bars by name (models, users): [{label, value}], longest first as given. */
export function rankChart(points, { label = '', width = 560, rowHeight = 22 } = {}) {
  const pad = { left: 150, right: 56 };
  const height = Math.max(rowHeight, points.length * rowHeight) + 4;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart chart-rank', role: 'img', 'aria-label': label });
  const top = Math.max(1, ...points.map((p) => p.value));
  points.forEach((point, i) => {
    const y = i * rowHeight + 2;
    const name = point.label.length > 22 ? `${point.label.slice(0, 21)}…` : point.label;
    root.append(svg('text', { x: pad.left - 8, y: y + rowHeight * 0.65, class: 'chart-label', 'text-anchor': 'end' }, name));
    const barWidth = ((width - pad.left - pad.right) * point.value) / top;
    const bar = svg('rect', { x: pad.left, y: y + 3, width: Math.max(1, barWidth), height: rowHeight - 8, class: 'chart-bar' });
    bar.append(svg('title', {}, point.title || `${point.label}: ${point.value}`));
    root.append(bar);
    root.append(svg('text', { x: pad.left + barWidth + 6, y: y + rowHeight * 0.65, class: 'chart-tick' }, compact(point.value)));
  });
  return root;
}
