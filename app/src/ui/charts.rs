//! Draws the page's charts with ECharts. ECharts is self-hosted
//! (`/vendor/echarts.min.js`, copied from npm) and loaded on first use, so only
//! pages with charts ever download it. Chart options are built on the server.

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function draw_charts() {
  const draw = () => document.querySelectorAll('.chart[data-option]').forEach((el) => {
    if (el.dataset.drawn === '1') return;
    const chart = window.echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(JSON.parse(el.dataset.option));
    el.dataset.drawn = '1';
    window.addEventListener('resize', () => chart.resize());
  });
  if (window.echarts) { draw(); return; }
  let s = document.getElementById('echarts-script');
  if (!s) {
    s = document.createElement('script');
    s.id = 'echarts-script';
    s.src = '/vendor/echarts.min.js';
    document.head.appendChild(s);
  }
  s.addEventListener('load', draw);
}
"#)]
extern "C" {
    fn draw_charts();
}

/// Draws every `.chart[data-option]` once the component is mounted (browser only).
pub fn draw_when_mounted() {
    leptos::prelude::Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        draw_charts();
    });
}
