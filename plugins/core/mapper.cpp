// Running a compiled mapping over one document. Each field goes through the
// steps mapper.hpp lists: its source, the missing rule, map or type, and
// drop_if_empty. The first error stops the document; its text names the
// output field (with concrete indices inside `each`) and the input path.
#include "mapper.hpp"

#include "mapper_spec.hpp"

namespace weir::core {
namespace {

using nlohmann::json;

bool is_empty(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  return v.is_null() || ((v.is_array() || v.is_object()) && v.empty());
}

// A field's value on its way through the steps.
struct Value {
  bool missing = false;
  std::string where;  // where it was found, or looked for when missing
  json data;
  std::vector<std::string> item_wheres;  // from a [*] path: where each item was found
  bool final = false;                    // const, fields, each: map and type do not apply
};

// Evaluates fields over one input document (`root_`). Lives for one map().
class Evaluator {
 public:
  explicit Evaluator(const json& root) : root_(root) {}

  std::string error;  // set when a call returns false

  // The object of `fields`, read in `scope` (at `at` in the root); `owner`
  // is the label of the field holding them ("" at the top).
  bool object(const std::vector<FieldSpec>& fields, const json& scope, const std::string& at,
              const std::string& owner, json& out) {
    out = json::object();
    for (const FieldSpec& f : fields) {
      const std::string label = owner.empty() ? f.name : owner + "." + f.name;
      std::optional<json> value;
      if (!field(f, scope, at, label, value)) return false;
      if (value) out[f.name] = std::move(*value);
    }
    return true;
  }

  // One field's value; *out left empty when drop_if_empty drops it.
  bool field(const FieldSpec& s, const json& scope, const std::string& at, const std::string& label,
             std::optional<json>& out) {
    Value v;
    if (!source(s, scope, at, label, v)) return false;
    if (!v.missing && v.data.is_null()) v.missing = true;
    if (v.missing && s.fallback) {
      out = *s.fallback;
    } else if (v.missing && s.required) {
      return fail(label, "required, but '" + shown(v.where) + "' is missing");
    } else if (v.missing) {
      out = json();
    } else {
      if (!v.final && !map_or_convert(s, v, label)) return false;
      out = std::move(v.data);
    }
    if (s.drop_if_empty && is_empty(*out)) out.reset();
    return true;
  }

 private:
  bool fail(const std::string& label, const std::string& what) {
    error = "field '" + label + "': " + what;
    return false;
  }

  bool source(const FieldSpec& s, const json& scope, const std::string& at,
              const std::string& label, Value& v) {
    if (s.constant) {
      v.data = *s.constant;
      v.final = true;
      return true;
    }
    if (s.text) return render(*s.text, scope, at, label, v);
    if (s.each) return each(s, scope, at, label, v);
    if (s.fields) return nested(s, scope, at, label, v);
    if (s.from) {
      lookup(*s.from, scope, at, v);
      return true;
    }
    v.data = scope;  // the spec of `each` without a source: the item itself
    v.where = at;
    return true;
  }

  bool render(const Template& t, const json& scope, const std::string& at, const std::string& label,
              Value& v) {
    std::string text, problem;
    switch (t.render(root_, scope, at, &text, &problem)) {
      case Template::Outcome::text:
        v.data = std::move(text);
        return true;
      case Template::Outcome::missing:
        v.missing = true;
        v.where = problem;
        return true;
      case Template::Outcome::failed:
        return fail(label, problem);
    }
    return fail(label, "template gave no outcome");
  }

  void lookup(const FieldPath& path, const json& scope, const std::string& at, Value& v) {
    std::optional<std::vector<Found>> found = path.resolve(root_, scope, at);
    if (!found) {
      v.missing = true;
      v.where = path.where_in(at);
    } else if (!path.has_wildcard()) {
      v.data = *found->front().value;
      v.where = found->front().where;
    } else {
      v.data = json::array();
      v.where = path.where_in(at);
      for (Found& f : *found) {
        v.data.push_back(*f.value);
        v.item_wheres.push_back(std::move(f.where));
      }
    }
  }

  // The one value `from` finds for `fields` or `each`; false when missing.
  std::optional<Found> container(const FieldPath& from, const json& scope, const std::string& at,
                                 Value& v) {
    std::optional<std::vector<Found>> found = from.resolve(root_, scope, at);
    if (found) return found->front();
    v.missing = true;
    v.where = from.where_in(at);
    return std::nullopt;
  }

  bool nested(const FieldSpec& s, const json& scope, const std::string& at,
              const std::string& label, Value& v) {
    Found in{&scope, at};
    if (s.from) {
      std::optional<Found> found = container(*s.from, scope, at, v);
      if (!found) return true;
      if (!found->value->is_object()) {
        return fail(label, excerpt(*found->value) + " at '" + shown(found->where) + "' is " +
                               kind_of(*found->value) + ", not an object");
      }
      in = *found;
    }
    v.final = true;
    return object(*s.fields, *in.value, in.where, label, v.data);
  }

  bool each(const FieldSpec& s, const json& scope, const std::string& at, const std::string& label,
            Value& v) {
    std::vector<Found> items;
    if (s.from->has_wildcard()) {
      lookup_items(*s.from, scope, at, v, items);
      if (v.missing) return true;
    } else {
      std::optional<Found> found = container(*s.from, scope, at, v);
      if (!found) return true;
      const json& array = *found->value;
      if (!array.is_array()) {
        return fail(label, excerpt(array) + " at '" + shown(found->where) + "' is " +
                               kind_of(array) + ", not an array (each maps an array's items)");
      }
      for (std::size_t i = 0; i < array.size(); ++i) {
        items.push_back({&array[i], found->where + "[" + std::to_string(i) + "]"});
      }
    }
    v.data = json::array();
    v.final = true;
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::optional<json> item;
      const std::string item_label = label + "[" + std::to_string(i) + "]";
      if (!field(*s.each, *items[i].value, items[i].where, item_label, item)) return false;
      if (item) v.data.push_back(std::move(*item));
    }
    return true;
  }

  void lookup_items(const FieldPath& from, const json& scope, const std::string& at, Value& v,
                    std::vector<Found>& items) {
    std::optional<std::vector<Found>> found = from.resolve(root_, scope, at);
    if (found) {
      items = std::move(*found);
    } else {
      v.missing = true;
      v.where = from.where_in(at);
    }
  }

  // map or type on the value, or on each item of an array value.
  bool map_or_convert(const FieldSpec& s, Value& v, const std::string& label) {
    if (!s.map && !s.conversion) return true;
    if (!v.data.is_array()) return map_or_convert_one(s, v.data, v.where, label);
    for (std::size_t i = 0; i < v.data.size(); ++i) {
      const std::string where =
          i < v.item_wheres.size() ? v.item_wheres[i] : v.where + "[" + std::to_string(i) + "]";
      if (!map_or_convert_one(s, v.data[i], where, label)) return false;
    }
    return true;
  }

  bool map_or_convert_one(const FieldSpec& s, json& value, const std::string& where,
                          const std::string& label) {
    if (value.is_null()) return true;  // an item of an array; a lone null is missing
    const std::string at = excerpt(value) + " at '" + shown(where) + "'";
    std::string why;
    if (s.map) {
      std::string key;
      if (!scalar_text(value, key, &why))
        return fail(label, at + " " + why + " (map looks up text)");
      auto it = s.map->find(key);
      if (it != s.map->end()) {
        value = *it;
      } else if (s.fallback) {
        value = *s.fallback;
      } else {
        return fail(label, at + " is not in map (known: " + map_keys(*s.map) + ")");
      }
      return true;  // map values were converted when compiled
    }
    json out;
    if (!convert(value, *s.conversion, out, &why)) return fail(label, at + " " + why);
    value = std::move(out);
    return true;
  }

  static std::string map_keys(const json& map) {
    std::string out;
    std::size_t n = 0;
    for (const auto& [key, _] : map.items()) {
      if (++n > 20) return out + ", ...";
      out += (out.empty() ? "" : ", ") + excerpt(json(key));
    }
    return out;
  }

  const json& root_;
};

}  // namespace

std::optional<Mapping> Mapping::compile(const json& config, std::vector<std::string>* errors) {
  const std::size_t before = errors->size();
  std::vector<FieldSpec> fields = compile_fields(config, errors);
  if (errors->size() != before) return std::nullopt;
  return Mapping(std::make_shared<const std::vector<FieldSpec>>(std::move(fields)));
}

const char* Mapping::schema() { return mapping_schema(); }

Mapping::Mapped Mapping::map(const json& input) const {
  Evaluator evaluator(input);
  Mapped out;
  out.ok = evaluator.object(*fields_, input, "", "", out.document);
  if (!out.ok) {
    out.error = std::move(evaluator.error);
    out.document = json();
  }
  return out;
}

}  // namespace weir::core
