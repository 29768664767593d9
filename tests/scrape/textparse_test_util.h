// Helpers for the textparse tests: parse a whole body into a list of readable records.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/labels.h"
#include "lib/scrape/textparse/parser.h"

namespace tsdbd::scrape::textparse::testing {

struct Record {
  Entry entry;
  std::string name;  // series: Labels::ToString(); metadata: the family name
  std::string text;  // help (unescaped), type name, unit, comment; series: value as %g
  std::optional<int64_t> timestamp;
  std::string exemplar;  // "labels value [ts]" when the series had one
};

struct Parsed {
  std::vector<Record> records;
  std::string error;  // empty when the body parsed to the end
  size_t series = 0;
};

inline std::string FormatValue(double v) {
  if (v != v) return std::bit_cast<uint64_t>(v) == 0x7ff8000000000001ULL ? "NaN" : "BadNaN";
  char buf[64];
  snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline Parsed ParseAll(std::string_view body, Format format) {
  Parsed out;
  auto p = Parser::New(body, format);
  LabelsBuilder builder;
  for (int i = 0; i < 10'000'000; ++i) {
    Result<Entry> e = p->Next();
    if (!e.ok()) {
      out.error = e.error().message();
      return out;
    }
    if (*e == Entry::kEOF) {
      // Next() keeps saying EOF.
      Result<Entry> again = p->Next();
      if (!again.ok() || *again != Entry::kEOF) out.error = "EOF was not sticky";
      return out;
    }
    Record r{*e, "", "", std::nullopt, ""};
    switch (*e) {
      case Entry::kSeries: {
        p->BuildLabels(builder);
        r.name = builder.Build().ToString();
        r.text = FormatValue(p->Value());
        r.timestamp = p->Timestamp();
        Exemplar ex;
        if (p->Exemplar(&ex)) {
          r.exemplar = ex.labels.ToString() + " " + FormatValue(ex.value);
          if (ex.timestamp) r.exemplar += " " + std::to_string(*ex.timestamp);
        }
        ++out.series;
        break;
      }
      case Entry::kHelp:
        r.name = std::string(p->MetadataName());
        r.text = p->Help();
        break;
      case Entry::kType:
        r.name = std::string(p->MetadataName());
        r.text = std::string(MetricTypeName(p->Type()));
        break;
      case Entry::kUnit:
        r.name = std::string(p->MetadataName());
        r.text = std::string(p->Unit());
        break;
      case Entry::kComment:
        r.text = std::string(p->Comment());
        break;
      case Entry::kEOF:
        break;
    }
    out.records.push_back(std::move(r));
  }
  out.error = "did not end";
  return out;
}

// The error message of a body that must fail ("" if it parsed).
inline std::string ErrorOf(std::string_view body, Format format) {
  return ParseAll(body, format).error;
}

}  // namespace tsdbd::scrape::textparse::testing
