/**
 * The report's stylesheet, inlined into the page (no external fonts or files: the report is
 * opened from disk and must need nothing else). System fonts, tabular figures in tables so
 * columns of numbers line up, and a print layout that keeps charts whole.
 */
export const REPORT_CSS = `
:root {
  --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa;
  --pass: #0a7d46; --pass-bg: #dafbe1; --fail: #b3261e; --fail-bg: #ffebe9;
  --accent: #0072B2;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--fg); background: #ffffff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
}
main { max-width: 1280px; margin: 0 auto; padding: 28px 28px 48px; }
header.top { display: flex; align-items: flex-start; justify-content: space-between; gap: 24px;
  border-bottom: 1px solid var(--line); padding-bottom: 16px; margin-bottom: 8px; }
h1 { font-size: 26px; line-height: 1.2; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 6px; }
.sub { color: var(--muted); margin: 0; }
.badge { display: inline-block; font-weight: 700; letter-spacing: 0.06em; border-radius: 6px;
  padding: 6px 14px; font-size: 18px; white-space: nowrap; }
.badge.pass, .cell-pass { color: var(--pass); background: var(--pass-bg); }
.badge.fail, .cell-fail { color: var(--fail); background: var(--fail-bg); }
tr.inv-fail td { background: #fff8f7; }
.badge.small { font-size: 12px; padding: 2px 8px; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 10px 0 0; font-size: 13px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
dl.meta { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 4px 16px; margin: 16px 0 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--soft); }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.card .v { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .fee { display: block; font-size: 17px; line-height: 1.35; }
.card .fee small { font-size: 12px; font-weight: 400; color: var(--muted); }
.card .n { color: var(--muted); font-size: 12px; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
.table-wrap.compact { display: inline-block; max-width: 100%; }
.table-wrap.compact td, .table-wrap.compact th { padding-right: 24px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 6px 8px; text-align: left; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.mono { white-space: nowrap; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
td.detail { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 640px; }
td.id { max-width: 180px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.neg { color: #0072B2; } .pos { color: #D55E00; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 18px 24px; }
figure { margin: 0; }
figure figcaption { font-size: 13px; color: var(--muted); margin: 2px 0 4px; }
svg.chart { display: block; max-width: 100%; height: auto; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 4px 0 0; font-size: 12px; color: var(--muted); }
ul.legend li { display: inline-flex; align-items: center; gap: 6px; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0 10px; }
.empty { color: var(--muted); font-style: italic; padding: 10px 0; }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
@media print {
  main { max-width: none; padding: 0; }
  figure, tr { break-inside: avoid; }
  th { position: static; }
}
`;
