// The stylesheet of tsdbd's server-rendered status pages, inlined into each page (no
// external assets, so the pages work offline and behind any route prefix).
#pragma once

#include <string_view>

namespace tsdbd::http::web {

inline constexpr std::string_view kPageCss = R"css(
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  font-size:14px;color:#212529;background:#fff}
a{color:#0d6efd;text-decoration:none}
a:hover{text-decoration:underline}
header{background:#343a40;color:#fff;display:flex;align-items:center;gap:24px;
  padding:0 20px;height:52px}
header .brand{color:#fff;font-size:18px;font-weight:600}
header nav a{color:rgba(255,255,255,.6);margin-right:16px}
header nav a.active,header nav a:hover{color:#fff;text-decoration:none}
main{padding:16px 20px;max-width:1400px}
h1{font-size:24px;font-weight:500;margin:4px 0 12px}
.filter{margin-bottom:16px;display:flex;gap:0}
.filter a{border:1px solid #0d6efd;padding:5px 12px;color:#0d6efd}
.filter a:first-child{border-radius:4px 0 0 4px}
.filter a:last-child{border-radius:0 4px 4px 0;border-left:none}
.filter a.selected{background:#0d6efd;color:#fff}
.filter a:hover{text-decoration:none;background:#e7f0ff}
.filter a.selected:hover{background:#0b5ed7}
details.pool{margin-bottom:18px}
details.pool>summary{cursor:pointer;font-size:16px;padding:6px 0}
details.pool>summary .job{font-weight:600;color:#0d6efd}
details.pool>summary .count{color:#6c757d}
details.pool>summary .count.down{color:#dc3545}
table{border-collapse:collapse;width:100%;margin-top:6px;table-layout:fixed}
col.endpoint{width:25%}col.state{width:80px}col.labels{width:27%}
col.last-scrape{width:110px}col.duration{width:145px}
th,td{text-align:left;vertical-align:top;padding:7px 9px;border-top:1px solid #dee2e6}
th{border-bottom:2px solid #dee2e6;font-weight:600;white-space:nowrap}
tbody tr:nth-child(odd){background:#f8f9fa}
td.endpoint{overflow-wrap:anywhere}
td.time{white-space:nowrap}
td.error{color:#dc3545;overflow-wrap:break-word}
td.labels{overflow-wrap:anywhere}
.badge{display:inline-block;padding:3px 7px;margin:1px 2px 1px 0;border-radius:4px;
  font-size:12px;font-weight:600;line-height:1.2}
.state-up{background:#198754;color:#fff}
.state-down{background:#dc3545;color:#fff}
.state-unknown{background:#6c757d;color:#fff}
.label{background:#0d6efd;color:#fff;font-weight:500}
.empty{color:#6c757d;font-style:italic}
)css";

}  // namespace tsdbd::http::web
