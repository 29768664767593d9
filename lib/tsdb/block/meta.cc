#include "lib/tsdb/block/meta.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "lib/model/json_string.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/fs/durable.h"
#include "lib/tsdb/fs/file.h"

namespace tsdbd::tsdb::block {
namespace json = boost::json;
namespace {

constexpr char kMetaFilename[] = "meta.json";

// Writes the members of one object in order, with Go's MarshalIndent layout: each member
// on its own line indented one tab deeper than the object, "key": value, comma separated.
class ObjectWriter {
 public:
  ObjectWriter(std::string& out, int depth) : out_(out), depth_(depth) {}

  // Starts a member and returns the buffer to append its value to.
  std::string& Key(std::string_view key) {
    out_ += first_ ? "{\n" : ",\n";
    first_ = false;
    out_.append(static_cast<size_t>(depth_ + 1), '\t');
    AppendJsonString(out_, key);
    out_ += ": ";
    return out_;
  }
  void Int(std::string_view key, int64_t v) { Key(key) += std::to_string(v); }
  void Uint(std::string_view key, uint64_t v) { Key(key) += std::to_string(v); }
  void End() {
    if (first_) {
      out_ += "{}";
      return;
    }
    out_ += '\n';
    out_.append(static_cast<size_t>(depth_), '\t');
    out_ += '}';
  }
  int depth() const { return depth_; }

 private:
  std::string& out_;
  int depth_;
  bool first_ = true;
};

void AppendStringArray(std::string& out, int depth, const std::vector<std::string>& v) {
  out += "[\n";
  for (size_t i = 0; i < v.size(); ++i) {
    out.append(static_cast<size_t>(depth + 1), '\t');
    AppendJsonString(out, v[i]);
    out += i + 1 < v.size() ? ",\n" : "\n";
  }
  out.append(static_cast<size_t>(depth), '\t');
  out += ']';
}

// Field readers: Go's json.Unmarshal leaves a field alone when it is absent or null.
Status Fail(std::string_view field, std::string_view want) {
  return Error("meta.json: field \"" + std::string(field) + "\" is not " + std::string(want));
}

template <typename T>
Status ReadNumber(const json::object& o, std::string_view key, T& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  std::error_code ec;
  T n = v->to_number<T>(ec);
  if (ec) return Fail(key, "an integer in range");
  out = n;
  return Status::Ok();
}

Status ReadBool(const json::object& o, std::string_view key, bool& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_bool()) return Fail(key, "a boolean");
  out = v->get_bool();
  return Status::Ok();
}

Status ReadString(const json::value& v, std::string_view key, std::string& out) {
  if (!v.is_string()) return Fail(key, "a string");
  out.assign(v.get_string().data(), v.get_string().size());
  return Status::Ok();
}

Status ReadUlid(const json::object& o, std::string_view key, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (Status s = ReadString(*v, key, out); !s.ok()) return s;
  if (!IsUlid(out)) return Fail(key, "a ULID");
  return Status::Ok();
}

const json::array* ArrayOrNull(const json::object& o, std::string_view key, Status& s) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_array()) s = Fail(key, "an array");
  return v->if_array();
}

const json::object* ObjectOrNull(const json::object& o, std::string_view key, Status& s) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_object()) s = Fail(key, "an object");
  return v->if_object();
}

Status ReadCompaction(const json::object& o, BlockMeta::Compaction& c) {
  if (Status s = ReadNumber(o, "level", c.level); !s.ok()) return s;
  Status s;
  if (const json::array* a = ArrayOrNull(o, "sources", s)) {
    for (const json::value& v : *a) {
      std::string id;
      if (Status e = ReadString(v, "sources", id); !e.ok()) return e;
      if (!IsUlid(id)) return Fail("sources", "a list of ULIDs");
      c.sources.push_back(std::move(id));
    }
  }
  if (!s.ok()) return s;
  if (Status e = ReadBool(o, "deletable", c.deletable); !e.ok()) return e;
  if (const json::array* a = ArrayOrNull(o, "parents", s)) {
    for (const json::value& v : *a) {
      if (!v.is_object()) return Fail("parents", "a list of objects");
      BlockDesc d;
      if (Status e = ReadUlid(v.get_object(), "ulid", d.ulid); !e.ok()) return e;
      if (Status e = ReadNumber(v.get_object(), "minTime", d.min_time); !e.ok()) return e;
      if (Status e = ReadNumber(v.get_object(), "maxTime", d.max_time); !e.ok()) return e;
      c.parents.push_back(std::move(d));
    }
  }
  if (!s.ok()) return s;
  if (Status e = ReadBool(o, "failed", c.failed); !e.ok()) return e;
  if (const json::array* a = ArrayOrNull(o, "hints", s)) {
    for (const json::value& v : *a) {
      std::string h;
      if (Status e = ReadString(v, "hints", h); !e.ok()) return e;
      c.hints.push_back(std::move(h));
    }
  }
  return s;
}

}  // namespace

std::string MetaJson(const BlockMeta& meta) {
  std::string out;
  out.reserve(512);
  ObjectWriter top(out, 0);
  AppendJsonString(top.Key("ulid"), meta.ulid);
  top.Int("minTime", meta.min_time);
  top.Int("maxTime", meta.max_time);
  {
    ObjectWriter stats(top.Key("stats"), 1);
    if (meta.stats.num_samples != 0) stats.Uint("numSamples", meta.stats.num_samples);
    if (meta.stats.num_series != 0) stats.Uint("numSeries", meta.stats.num_series);
    if (meta.stats.num_chunks != 0) stats.Uint("numChunks", meta.stats.num_chunks);
    if (meta.stats.num_tombstones != 0) stats.Uint("numTombstones", meta.stats.num_tombstones);
    stats.End();
  }
  {
    const BlockMeta::Compaction& c = meta.compaction;
    ObjectWriter comp(top.Key("compaction"), 1);
    comp.Int("level", c.level);
    if (!c.sources.empty()) AppendStringArray(comp.Key("sources"), 2, c.sources);
    if (c.deletable) comp.Key("deletable") += "true";
    if (!c.parents.empty()) {
      std::string& o = comp.Key("parents");
      o += "[\n";
      for (size_t i = 0; i < c.parents.size(); ++i) {
        o += "\t\t\t";
        ObjectWriter p(o, 3);
        AppendJsonString(p.Key("ulid"), c.parents[i].ulid);
        p.Int("minTime", c.parents[i].min_time);
        p.Int("maxTime", c.parents[i].max_time);
        p.End();
        o += i + 1 < c.parents.size() ? ",\n" : "\n";
      }
      o += "\t\t]";
    }
    if (c.failed) comp.Key("failed") += "true";
    if (!c.hints.empty()) AppendStringArray(comp.Key("hints"), 2, c.hints);
    comp.End();
  }
  top.Int("version", meta.version);
  top.End();
  return out;
}

Result<BlockMeta> ParseMeta(std::string_view text) {
  std::error_code ec;
  json::value doc = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return Error("meta.json: " + ec.message());
  if (!doc.is_object()) return Error("meta.json: not a JSON object");
  const json::object& o = doc.get_object();
  BlockMeta m;
  m.version = 0;
  if (Status s = ReadNumber(o, "version", m.version); !s.ok()) return Error(s.message());
  if (m.version != 1) {
    return Error("meta.json: unexpected meta file version " + std::to_string(m.version));
  }
  if (Status s = ReadUlid(o, "ulid", m.ulid); !s.ok()) return Error(s.message());
  if (m.ulid.empty()) return Error("meta.json: no \"ulid\"");
  if (Status s = ReadNumber(o, "minTime", m.min_time); !s.ok()) return Error(s.message());
  if (Status s = ReadNumber(o, "maxTime", m.max_time); !s.ok()) return Error(s.message());
  Status s;
  if (const json::object* st = ObjectOrNull(o, "stats", s)) {
    if (Status e = ReadNumber(*st, "numSamples", m.stats.num_samples); !e.ok())
      return Error(e.message());
    if (Status e = ReadNumber(*st, "numSeries", m.stats.num_series); !e.ok())
      return Error(e.message());
    if (Status e = ReadNumber(*st, "numChunks", m.stats.num_chunks); !e.ok())
      return Error(e.message());
    if (Status e = ReadNumber(*st, "numTombstones", m.stats.num_tombstones); !e.ok()) {
      return Error(e.message());
    }
  }
  if (!s.ok()) return Error(s.message());
  m.compaction.level = 0;
  if (const json::object* c = ObjectOrNull(o, "compaction", s)) {
    if (Status e = ReadCompaction(*c, m.compaction); !e.ok()) return Error(e.message());
  }
  if (!s.ok()) return Error(s.message());
  return m;
}

Result<BlockMeta> ReadMeta(const std::string& block_dir) {
  const std::string path = block_dir + "/" + kMetaFilename;
  auto text = fs::ReadWholeFile(path);
  if (!text.ok()) return text.error();
  auto m = ParseMeta(*text);
  if (!m.ok()) return Error(path + ": " + m.error().message());
  return m;
}

Status WriteMeta(const std::string& block_dir, const BlockMeta& meta) {
  return fs::WriteFileAtomically(block_dir + "/" + kMetaFilename, MetaJson(meta));
}

}  // namespace tsdbd::tsdb::block
