// The declarative description of a REST API that the generic ERP connector
// reads from a node's config: where a resource lives, how its list pages,
// where the records sit in an answer, how to ask only for what changed, and
// how to find, create and update one record. The shapes follow Airbyte's
// low-code connectors (requester, record selector, paginator, incremental
// sync) for reads, and add the writes.
//
// Templates: "{field}" is replaced by a value of the current document (a
// dotted path: "{customer.email}"), "{id}" by the record's remote id,
// "{since}" / "{until}" by the sync window's times in the spec's time format.
// "{{" is a literal "{". A template whose field is missing is an error that
// names the field. A request body given as a mapping has its text values
// filled in ({Status: V}, {reference: "{number}"}); its keys stay as written.
//
// Parsing reports every problem ("paginate.kind: 'pages' is not one of
// none, page, offset, cursor"); a parsed spec is immutable and thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <weir/weir.hpp>

namespace weir::erp {

// "data.items" -> the array there; "" -> the answer itself; a key with dots
// in brackets: ["@odata.nextLink"] (or ['...']).
struct FieldPath {
  std::vector<std::string> keys;
  std::string text;
  const Json* find(const Json& doc) const;  // null: missing
  Json* find(Json& doc) const { return const_cast<Json*>(find(static_cast<const Json&>(doc))); }
};
FieldPath parse_path(const std::string& text);

// Fills a template from `doc` and `extra` (id, since, until); nullopt with
// *error naming the missing field.
std::optional<std::string> render(const std::string& pattern, const Json& doc,
                                  const std::map<std::string, std::string>& extra,
                                  std::string* error);

// How a time is written for the remote: "iso8601" (2026-12-01T10:00:00Z),
// "epoch" (seconds), "epoch_ms", or a strftime pattern in UTC
// ("%Y-%m-%d %H:%M:%S").
std::string format_time(std::chrono::system_clock::time_point t, const std::string& format);

struct RequestSpec {
  std::string method = "GET";
  std::string path;                           // a template
  std::map<std::string, std::string> params;  // name -> template
  // The body: a mapping (JSON) whose text values are templates
  // ({Status: V}, {note: "from {number}"}), or text that is one template;
  // none: the document itself.
  std::optional<Json> body;
};

struct Paginator {
  enum class Kind { none, page, offset, cursor } kind = Kind::none;
  std::string param;       // page / offset / cursor parameter
  std::string size_param;  // page size parameter ("" none)
  int size = 100;
  int start = 1;           // page: the first page's number (0 or 1)
  FieldPath cursor;        // cursor: where the next cursor (or next URL) is in the answer
};

struct Incremental {
  std::string param;         // a plain parameter: updated_since={since}
  std::string filter_param;  // or one parameter holding an expression...
  std::string filter;        // ...such as "LastModified gt '{since}'"
  std::string format = "iso8601";
};

struct ListSpec {
  RequestSpec request;
  FieldPath records;                // where the items are
  std::vector<int> empty_statuses;  // answers that mean "no (more) items", e.g. 404
  Paginator paginate;
  std::optional<Incremental> incremental;
};

struct WriteSpec {
  std::string system = "erp";  // the ID map's name for this ERP
  std::string entity;          // "product", "order", "customer"
  FieldPath key;               // our id in the input document (a SKU, the shop's order number)
  std::optional<ListSpec> lookup;  // find by natural key; its first record is the match
  FieldPath id;                // where a record's (or a create's answer's) id is; "" the body
  std::optional<FieldPath> created_id;  // where a create's answer has it, when elsewhere
                                        // ("": the answer is the bare id, "ORD-1001")
  RequestSpec create;
  std::optional<RequestSpec> update;       // none: a found record is left as it is
  std::vector<RequestSpec> after_create;   // follow-up calls (validate the order)
  std::vector<int> after_create_ok;        // statuses that count as done (already validated)
  // Create answers that mean "it exists already" (another delivery of the
  // same item created it a moment ago): with a lookup, the item is retried
  // and the lookup of its next attempt finds what the other one made.
  std::vector<int> exists_statuses{409};
};

std::optional<ListSpec> parse_list(const Json& config, std::vector<std::string>* errors);
std::optional<WriteSpec> parse_write(const Json& config, std::vector<std::string>* errors);

}  // namespace weir::erp
