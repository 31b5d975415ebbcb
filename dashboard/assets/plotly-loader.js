// instalign's partial plotly.js (scripts/plotly-bundle: the trace types the figures draw,
// 1.4 MB and ~0.15-0.3 s to evaluate here, against the full bundle's 4.8 MB and ~1.6 s) is
// served from this folder but kept out of the page's script tags (Dash's assets_ignore), so
// it never delays the controls. It starts loading when the page is first idle (the Dash
// renderer waiting for the layout), and dcc.Graph waits for it: dcc loads plotly.js itself
// only when `window.Plotly` is unset, and resolves a thenable there. Should a graph mount
// first, or a later Dash read these names differently, dcc loads the full bundle from
// window._dashPlotlyJSURL, which points here too: slower at worst, never broken.
(function () {
    const me = document.currentScript && document.currentScript.src;
    if (!me || window.Plotly) { return; }
    const url = me.replace(/plotly-loader\.js(\?.*)?$/, "plotly-instalign.min.js");
    Object.defineProperty(window, "_dashPlotlyJSURL", {
        configurable: true,
        get: function () { return url; },
        set: function () {},  // the renderer's own assignment is ignored
    });
    let started = false;
    const load = (resolve, reject) => {
        if (started) { return; }
        started = true;
        const tag = document.createElement("script");
        tag.src = url;
        tag.async = true;
        tag.onload = () => resolve(window.Plotly);  // the bundle assigned the real Plotly
        tag.onerror = reject;
        document.head.appendChild(tag);
    };
    let go;
    const ready = new Promise((resolve, reject) => { go = () => load(resolve, reject); });
    window.Plotly = {then: (ok, bad) => { go(); return ready.then(ok, bad); }};
    const idle = window.requestIdleCallback || ((f) => setTimeout(f, 1));
    window.addEventListener("load", () => idle(go, {timeout: 2000}));
})();
