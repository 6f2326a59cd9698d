// The page's whole stylesheet. Status colours meet WCAG AA: text colours reach 4.5:1 on the page background
// in both schemes, and every status is also told by its icon and its label, never by colour alone.
export const STYLE_CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;--link:#0969da;
--op:#1a7f37;--deg:#8a5a00;--par:#bc4c00;--maj:#cf222e;--mnt:#0969da;--none:#d1d9e0;--focus:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--card:#151b23;--link:#4493f8;
--op:#3fb950;--deg:#d29922;--par:#f0883e;--maj:#f85149;--mnt:#4493f8;--none:#3d444d;--focus:#4493f8}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
fieldset,.comp-head>*,.banner>*,details.group>summary>*{min-width:0}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.wrap{max-width:56rem;margin:0 auto;padding:0 1rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:9}
header.top{border-bottom:1px solid var(--line)}
header.top .wrap{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding-block:1rem}
.brand{display:flex;align-items:center;gap:.6rem;font-size:1.35rem;font-weight:700;color:var(--fg);text-decoration:none}
.brand img{height:2rem;width:auto}
nav ul{display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0;list-style:none}
main{padding-block:1.5rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:2rem 0 .75rem}
h3{font-size:1.05rem;margin:0}
.muted,.meta{color:var(--muted);font-size:.9rem}
.banner{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding:1rem 1.25rem;border-radius:.5rem;color:#fff;background:var(--b)}
.banner h1,.banner p{margin:0;font-size:1.3rem}
.banner .st::before{background:#fff;color:var(--b)}
.banner .banner-incidents{flex-basis:100%;font-size:1rem}.banner-incidents a{color:inherit}
.banner a:focus-visible{outline-color:#fff}
.b-operational{--b:#1a7f37}.b-degraded{--b:#8a5a00}.b-partial_outage{--b:#bc4c00}.b-major_outage{--b:#cf222e}.b-under_maintenance{--b:#0969da}
.live{font-size:.9rem}
.live .dot{display:inline-block;width:.55rem;height:.55rem;border-radius:50%;background:currentColor;margin-right:.35rem;vertical-align:middle}
.live[data-state=reconnecting] .dot,.live[data-state=offline] .dot{background:transparent;border:2px solid currentColor}
.stale{margin:1rem 0;padding:.75rem 1rem;border:1px solid var(--par);border-radius:.5rem;background:var(--card)}
.st{display:inline-flex;align-items:center;gap:.4rem;font-weight:600;white-space:nowrap}
.st::before{display:inline-grid;place-items:center;width:1.15rem;height:1.15rem;border-radius:50%;color:var(--bg);background:var(--c);font-size:.75rem;line-height:1;font-weight:700}
.s-operational{--c:var(--op)}.s-operational::before{content:"\\2713" / ""}
.s-degraded{--c:var(--deg)}.s-degraded::before{content:"!" / ""}
.s-partial_outage{--c:var(--par)}.s-partial_outage::before{content:"\\2212" / ""}
.s-major_outage{--c:var(--maj)}.s-major_outage::before{content:"\\2715" / ""}
.s-under_maintenance{--c:var(--mnt)}.s-under_maintenance::before{content:"\\2692" / ""}
.comp .st{color:var(--c)}
.card{border:1px solid var(--line);border-radius:.5rem;margin-bottom:1rem;background:var(--bg)}
.comps{list-style:none;margin:0;padding:0}
.comp{padding:1rem 1.25rem;border-top:1px solid var(--line)}
.comps>.comp:first-child,.group>summary+.comps>.comp:first-child{border-top:0}
.group>summary+.comps>.comp:first-child{border-top:1px solid var(--line)}
.comp-head{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem;align-items:baseline}
.comp-name{font-weight:600}.comp-name a,a.comp-name{color:inherit}
.tag{display:inline-block;margin-left:.5rem;padding:0 .45rem;border:1px solid var(--line);border-radius:1rem;font-size:.8rem;font-weight:400;color:var(--muted)}
details.group>summary{cursor:pointer;padding:1rem 1.25rem;display:flex;justify-content:space-between;gap:1rem;font-weight:600;list-style-position:inside}
details.group>summary::-webkit-details-marker{display:none}
details.group>summary::before{content:"\\25B8" / "";margin-right:.5rem}
details.group[open]>summary::before{content:"\\25BE" / ""}
details.group>summary .name{flex:1}
.bar{display:flex;gap:1px;margin:.6rem 0 .25rem;padding:0;list-style:none;height:2rem}
.bar li{flex:1;position:relative;border-radius:1px;background:var(--d,var(--none))}
.bar li:hover,.bar li:focus{filter:brightness(1.15)}
.bar li:hover::after,.bar li:focus::after{content:attr(aria-label);position:absolute;bottom:calc(100% + .4rem);left:50%;transform:translateX(-50%);z-index:5;width:max-content;max-width:min(16rem,45vw);padding:.4rem .6rem;border-radius:.35rem;background:var(--fg);color:var(--bg);font-size:.8rem;white-space:normal;pointer-events:none}
.bar li:nth-child(-n+20):hover::after,.bar li:nth-child(-n+20):focus::after{left:0;transform:none}
.bar li:nth-last-child(-n+20):hover::after,.bar li:nth-last-child(-n+20):focus::after{left:auto;right:0;transform:none}
.d-none{--d:var(--none)}.d-op{--d:var(--op)}.d-deg{--d:var(--deg)}.d-par{--d:var(--par)}.d-maj{--d:var(--maj)}.d-mnt{--d:var(--mnt)}
.from30{display:none}
.bar-foot{display:flex;justify-content:space-between;gap:.5rem;color:var(--muted);font-size:.8rem}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.5rem 0 0;padding:0;list-style:none;color:var(--muted);font-size:.85rem}
.legend i{display:inline-block;width:.7rem;height:.7rem;margin-right:.35rem;border-radius:2px;background:var(--d)}
.incident,.maint{padding:1rem 1.25rem}
.incident h3 a,.maint h3 a{color:inherit}
.sev{font-size:.85rem;font-weight:600;text-transform:capitalize}
.auto{font-size:.85rem;font-style:italic}
.timeline{list-style:none;margin:.75rem 0 0;padding:0 0 0 1rem;border-left:2px solid var(--line)}
.timeline li{margin:0 0 .75rem}
.timeline>li>strong{text-transform:capitalize}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.timeline p,.incident p,.maint p{margin:.25rem 0;white-space:pre-line;overflow-wrap:anywhere}
.md p{white-space:normal}.md ul,.md ol{margin:.25rem 0;padding-left:1.4rem}
.md code{font-family:ui-monospace,monospace;font-size:.9em;background:var(--card);padding:0 .2rem;border-radius:.2rem}
.affected{margin:.5rem 0 0;font-size:.9rem;color:var(--muted)}
.lines{list-style:none;margin:0;padding:0 1.25rem}.lines li{padding:.6rem 0;border-top:1px solid var(--line)}.lines li:first-child{border-top:0}
.month{margin-bottom:1.5rem}
.month ul{list-style:none;margin:0;padding:0}
.month li{padding:.5rem 0;border-top:1px solid var(--line)}
.pager{display:flex;justify-content:space-between;margin-top:1.5rem}
form.sub fieldset{border:1px solid var(--line);border-radius:.5rem;margin:0 0 1rem;padding:.75rem 1rem}
form.sub label{display:inline-flex;align-items:center;gap:.35rem;margin:.2rem 1rem .2rem 0}
form.sub input[type=email],form.sub input[type=tel],form.sub input[type=url],form.code input{width:100%;max-width:28rem;padding:.5rem;font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--muted);border-radius:.35rem}
form .field{display:block;margin:.5rem 0}
form .field>span{display:block;font-weight:600}
form.sub .field{display:block}
input[aria-invalid=true]{border-color:var(--maj)}
.field-error{margin:-.25rem 0 .5rem;color:var(--maj);font-weight:600}
button{font:inherit;font-weight:600;padding:.5rem 1.1rem;border:0;border-radius:.35rem;background:var(--link);color:#fff;cursor:pointer}
@media (prefers-color-scheme:dark){button{color:#0d1117}}
.notice{margin-top:.75rem;font-weight:600}
footer{border-top:1px solid var(--line);padding-block:1.5rem;color:var(--muted);font-size:.85rem}
footer p{margin:.25rem 0}
@media (max-width:40rem){.banner h1,.banner p{font-size:1.1rem}.bar{height:1.6rem}.bar li:nth-child(-n+60){position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}.bar li:nth-child(-n+75):hover::after,.bar li:nth-child(-n+75):focus::after{left:0;transform:none}.from90{display:none}.from30{display:inline}.comp,.incident,.maint{padding:.85rem 1rem}}
@media (prefers-reduced-motion:no-preference){.bar li{transition:filter .1s}}
`;
