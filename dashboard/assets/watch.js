// The watch panel's clientside callbacks (dashboard/watch.py): the server sends every
// recorded frame of a run once; switching frames (the slider, Step, Play) happens here,
// without a request.
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.watch = {
    KEYS: ["voters", "tree", "funnel"],

    // The frame at slider position `i`: each figure (base figure of the last frame with
    // this frame's trace patches and finding), each card's view spec (with the step, so a
    // download rebuilds this frame) and the monitors.
    show: function (i, data) {
        const w = window.dash_clientside.watch, nu = window.dash_clientside.no_update;
        if (!data || !data.steps) {
            return Array(2 * w.KEYS.length + 1).fill(nu);
        }
        const at = Math.max(0, Math.min(data.steps.length - 1, i || 0));
        const figs = w.KEYS.map((k) => (data.figs[k] ? w.figure(data, k, at) : nu));
        const specs = w.KEYS.map((k) => (data.specs[k] ?
            Object.assign({}, data.specs[k], {options: {step: data.steps[at]}}) : null));
        return figs.concat(specs, [w.monitors(data.monitors, at)]);
    },

    figure: function (data, key, at) {
        const copy = (o) => JSON.parse(JSON.stringify(o));
        const fig = copy(data.figs[key]), patch = data.patches[key][at];
        fig.data = fig.data.map((t, j) => window.dash_clientside.watch.merge(t, patch[j] || {}));
        fig.layout.meta = Object.assign({}, fig.layout.meta || {},
                                        {finding: data.findings[key][at]});
        return fig;
    },

    // `patch` into `target` (a copy): nested objects field by field, arrays replaced.
    merge: function (target, patch) {
        const plain = (o) => o && typeof o === "object" && !Array.isArray(o) && !("bdata" in o);
        Object.keys(patch).forEach((k) => {
            const v = patch[k];
            target[k] = plain(v) && plain(target[k]) ?
                window.dash_clientside.watch.merge(target[k], v) : JSON.parse(JSON.stringify(v));
        });
        return target;
    },

    monitors: function (m, at) {
        const H = (type, props) => ({type: type, namespace: "dash_html_components",
                                     props: props});
        const box = {border: "1px solid #ccc", borderRadius: "4px", padding: "2px 8px",
                     minWidth: "90px"};
        return m.labels.map((label, j) => H("Div", {
            className: "monitor", title: m.titles[j], style: box, children: [
                H("Div", {className: "monitor-label", children: label,
                          style: {fontSize: "11px", color: "#555"}}),
                H("Div", {className: "monitor-value", children: m.values[at][j],
                          style: {fontWeight: 600}}),
            ]}));
    },

    // The result spec to load when a new run is on screen: only once the panel's body is
    // rendered (when the panel is first opened, `_open` loads the run then on screen).
    defer: function (spec, body, loaded) {
        const nu = window.dash_clientside.no_update;
        const same = loaded && spec && spec.search === loaded.search &&
            JSON.stringify(spec.seeds) === JSON.stringify(loaded.seeds);
        // the same runs again (a spec that differs only in its timing or click fields) would
        // reload the panel and put the slider back at the end, in the middle of a Play
        if (!spec || !body || same) { return nu; }
        return spec;
    },

    // Step (the next frame; after the last, the first), Play/Pause (from the first frame
    // when at the end) and the timer's ticks (one frame each; stops at the last).
    player: function (step, play, tick, value, max, stopped) {
        const nu = window.dash_clientside.no_update;
        const trig = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
        const at = value || 0, last = max || 0;
        if (trig.startsWith("watch-step")) {
            return [at >= last ? 0 : at + 1, true, "Play"];
        }
        if (trig.startsWith("watch-play")) {
            return stopped ? [at >= last ? 0 : nu, false, "Pause"] : [nu, true, "Play"];
        }
        if (trig.startsWith("watch-timer")) {
            const end = at + 1 >= last;
            return at >= last ? [nu, true, "Play"] : [at + 1, end, end ? "Play" : "Pause"];
        }
        return [nu, nu, nu];
    },
};
