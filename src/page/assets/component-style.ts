// The component page's own styles (charts, the data table, uptime figures), loaded only there.
export const COMPONENT_CSS = `
.now{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1.5rem}
.now .st{font-size:1.2rem;color:var(--c)}
.now .live{color:var(--muted);margin:0}
.why{margin:.5rem 0 0;padding-left:1.2rem}
.component-page h3{margin:1.25rem 0 .5rem}
.uptimes{display:flex;flex-wrap:wrap;gap:.5rem 2rem;margin:0 0 .5rem}
.uptimes div{min-width:5.5rem}.uptimes dt{color:var(--muted);font-size:.85rem}.uptimes dd{margin:0;font-size:1.3rem;font-weight:600;font-variant-numeric:tabular-nums}
.bar.big{height:3.25rem}
.latency{margin:1rem 0 1.75rem}
.chart{display:block;width:100%;height:auto;margin:.5rem 0}
.chart .grid line{stroke:var(--line);stroke-width:1}
.chart text{fill:var(--muted);font-size:11px}
.chart .grid text{text-anchor:end}
.chart .ax .mid{text-anchor:middle}.chart .ax .end{text-anchor:end}
@media (max-width:40rem){.chart{overflow:visible}.chart text{font-size:16px}}@media (max-width:26rem){.chart text{font-size:20px}}
.chart path{fill:none;stroke-linejoin:round;stroke-linecap:round}
.chart .p50{stroke:var(--link);stroke-width:2}
.chart .p95{stroke:var(--deg);stroke-width:1.5;stroke-dasharray:5 3}
.sh-o{fill:var(--maj);opacity:.2}.sh-m{fill:var(--mnt);opacity:.2}
.key{display:inline-block;width:1.4rem;height:.75rem;vertical-align:middle;border-radius:2px}
.k50{height:0;border-top:2px solid var(--link)}.k95{height:0;border-top:2px dashed var(--deg)}
.ko{background:var(--maj);opacity:.4}.km{background:var(--mnt);opacity:.4}
details>summary{cursor:pointer;color:var(--link)}
.scroll{overflow-x:auto}
.lat{overflow-wrap:normal;border-collapse:collapse;margin-top:.5rem;font-size:.85rem;font-variant-numeric:tabular-nums}
.lat caption{text-align:left;color:var(--muted);padding-bottom:.25rem}
.lat th,.lat td{padding:.15rem .6rem;border-bottom:1px solid var(--line);text-align:right}
.lat th[scope=row],.lat td:last-child,.lat thead th:first-child{text-align:left}
`;
