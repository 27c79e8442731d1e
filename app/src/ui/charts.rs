//! Draws the page's charts with ECharts. ECharts is self-hosted
//! (`/vendor/echarts.min.js`, copied from npm) and loaded on first use, so only
//! pages with charts ever download it. Chart options are built on the server
//! and travel in `data-option` on a `.chart` element.
//!
//! - A map chart (`data-map="sichuan"`, or an option with a `map` series) first
//!   loads its GeoJSON once from `/vendor/maps/<name>.json` and registers it.
//! - When an element's `data-option` changes (the dashboard re-renders with new
//!   filters without a page load) the chart is redrawn from scratch; an empty
//!   option clears it; charts whose elements left the page are disposed. A
//!   `MutationObserver` notices these changes, so calling [`draw_when_mounted`]
//!   again is harmless but not required.
//! - Charts follow their element's size (`ResizeObserver`).
//! - A click on a data item dispatches a bubbling `chartclick` event on the
//!   element, `detail = { name, value, dataIndex, code }` (`code` when the data
//!   item carries one, as the dashboard map's cities do).

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
const live = new Set();
const maps = {};
let observer = null, resizer = null, pending = false;

function loadMap(name) {
  if (!/^[a-z_]+$/.test(name)) return Promise.reject(new Error('bad map name ' + name));
  if (!maps[name]) {
    maps[name] = fetch('/vendor/maps/' + name + '.json')
      .then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then((geo) => { window.echarts.registerMap(name, geo); })
      .catch((e) => { delete maps[name]; throw e; });
  }
  return maps[name];
}

function dispose(el) {
  const c = window.echarts.getInstanceByDom(el);
  if (c) c.dispose();
  if (resizer) resizer.unobserve(el);
  live.delete(el);
  delete el.__zjcsOption;
}

function drawOne(el) {
  const text = el.dataset.option || '';
  if (el.__zjcsOption === text) return;
  if (!text) { dispose(el); el.__zjcsOption = ''; return; }
  el.__zjcsOption = text;
  let option;
  try { option = JSON.parse(text); } catch (e) { console.error('chart option', e); return; }
  const apply = () => {
    if (!el.isConnected || el.__zjcsOption !== text) return; // replaced meanwhile
    let chart = window.echarts.getInstanceByDom(el);
    if (!chart) {
      chart = window.echarts.init(el, null, { renderer: 'canvas' });
      chart.on('click', (p) => el.dispatchEvent(new CustomEvent('chartclick', {
        bubbles: true,
        detail: { name: p.name, value: p.value, dataIndex: p.dataIndex, code: (p.data && p.data.code) || null },
      })));
    }
    if (!live.has(el)) { live.add(el); if (resizer) resizer.observe(el); }
    chart.setOption(option, true);
  };
  const series = [].concat(option.series || []);
  const mapSeries = series.find((s) => s && s.type === 'map' && typeof s.map === 'string');
  const map = el.dataset.map || (mapSeries && mapSeries.map);
  if (map) loadMap(map).then(apply, (e) => console.error('map ' + map, e));
  else apply();
}

function pass() {
  pending = false;
  live.forEach((el) => { if (!el.isConnected) dispose(el); });
  document.querySelectorAll('.chart[data-option]').forEach(drawOne);
}

function schedule() {
  if (!pending) { pending = true; requestAnimationFrame(pass); }
}

function resizeAll(els) {
  requestAnimationFrame(() => els.forEach((el) => {
    const c = el.isConnected && window.echarts.getInstanceByDom(el);
    if (c) c.resize();
  }));
}

function setup() {
  if (observer) return;
  if (window.ResizeObserver) resizer = new ResizeObserver((entries) => resizeAll(entries.map((e) => e.target)));
  else window.addEventListener('resize', () => resizeAll([...live]));
  // drill-down: a click on an item carrying a region code follows the chart's
  // `data-drill` link (its `REGIONCODE` replaced by the code)
  document.addEventListener('chartclick', (e) => {
    const el = e.target.closest && e.target.closest('[data-drill]');
    const code = e.detail && e.detail.code;
    if (el && code && /^[0-9]{6}$/.test(code)) window.location.assign(el.dataset.drill.replace('REGIONCODE', code));
  });
  observer = new MutationObserver(schedule);
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-option', 'data-map'] });
}

export function draw_charts() {
  const start = () => { setup(); pass(); };
  if (window.echarts) { start(); return; }
  let s = document.getElementById('echarts-script');
  if (!s) {
    s = document.createElement('script');
    s.id = 'echarts-script';
    s.src = '/vendor/echarts.min.js';
    document.head.appendChild(s);
  }
  s.addEventListener('load', start);
}
"#)]
extern "C" {
    fn draw_charts();
}

/// Draws every `.chart[data-option]` once the component is mounted (browser
/// only), and from then on keeps the page's charts in step with their
/// `data-option` (see the module docs). Safe to call again after data changes.
pub fn draw_when_mounted() {
    leptos::prelude::Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        draw_charts();
    });
}
