/** Style sheet shared by the run report, the comparison page and the dashboard. */
export const REPORT_STYLE = `
:root { --fg: #1d232b; --muted: #5b6673; --line: #d9dee4; --bg: #f6f7f9; --card: #fff; --accent: #2563eb; --warn: #b45309; --bad: #b91c1c; --good: #15803d; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
h3 { font-size: 14px; margin: 16px 0 8px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.banner { padding: 12px 16px; border-radius: 6px; margin: 0 0 16px; font-weight: 600; }
.banner.invalid { background: #fee2e2; color: var(--bad); border: 1px solid #fca5a5; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 20px; white-space: nowrap; font-weight: 650; margin: 2px 0; font-variant-numeric: tabular-nums; }
.card .detail { color: var(--muted); font-size: 12px; }
.card.warn .value { color: var(--warn); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 14px; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.chart { position: relative; height: 260px; }
table { border-collapse: collapse; width: 100%; background: var(--card); font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
thead th { background: #eef1f5; }
.table-wrap thead th { position: sticky; top: 0; }
#calls th { cursor: pointer; user-select: none; }
#calls th[aria-sort="ascending"]::after { content: " \\25B2"; }
#calls th[aria-sort="descending"]::after { content: " \\25BC"; }
#calls tbody tr { cursor: pointer; }
#calls tbody tr:hover { background: #eef4ff; }
#calls tbody tr.selected { background: #dbe7ff; }
.table-wrap { max-height: 520px; overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
.bad { color: var(--bad); }
.good { color: var(--good); }
.muted { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
#call-detail[hidden] { display: none; }
svg.call-timeline { width: 100%; height: auto; background: #fbfcfd; border: 1px solid var(--line); border-radius: 6px; }
svg.call-timeline text { font: 11px system-ui, sans-serif; fill: var(--fg); }
.scroll-x { overflow-x: auto; }
.notes { color: var(--muted); font-size: 12px; margin: 8px 0 0; padding-left: 18px; }
.recording { display: flex; align-items: center; gap: 10px; margin: 10px 0; }
button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); cursor: pointer; }
.finding { border-top: 1px solid var(--line); padding-top: 4px; margin-top: 10px; }
.finding:first-of-type { border-top: none; margin-top: 0; }
.finding h3 .muted { font-weight: normal; font-size: 12px; margin-left: 6px; }
ul.evidence { margin: 8px 0 0; padding-left: 18px; }
#diagnosis > p:last-child, #diagnosis ul:last-child { margin-bottom: 0; }
td.up { color: var(--bad); }
td.down { color: var(--good); }
`;
