// The generic ERP connector's nodes, driven by a declarative config
// (rest_spec.hpp), pointed at an ERP by configuration alone.
//
// erp.list (batch): reads a resource page by page: each record goes on as a
// message of its own, each page is committed on its own (the cursor holds
// the page number, offset or the remote's cursor). In a delta topology the
// window's since goes into the incremental parameter or filter expression;
// on the first (full) run there is none. An answer listed in
// empty_statuses (a 404 for "no more") ends the list.
//
// erp.upsert: writes one record (`created_id` says where a create's answer
// has the id when not where records have it: "" for a bare id as the whole
// body): the ID map (system, entity, key) first,
// else the lookup by natural key, else the create and its follow-up calls
// (after_create), each id mapped in the commit of the call's results, so a
// redelivered create (a crash after the ERP answered) finds the record
// instead of making a second one; a found record is updated when the config
// has an update, and a record found only by lookup gets the follow-up calls
// again (a crash may have come between the create and them; statuses in
// after_create_ok, e.g. 409 "already validated", count as done). A create
// answered with one of exists_statuses (default 409: the webhook and the
// poll delivered one order at the same moment, the other made it first) is
// retried, to be found by the lookup. Goes on as the input with
// `<entity>_id` added (order_id: the ERP's id).
//
// Both keep no state between calls: safe at any concurrency.
#pragma once

#include "rest_spec.hpp"

namespace weir::erp {

inline constexpr const char* kRestAppType = "erp.rest";
const char* rest_settings_schema();

class List : public Node {
 public:
  static const char* schema();
  static void validate(const Json& config, std::vector<std::string>& errors);
  explicit List(const NodeInit& init);
  Result process(Context& ctx) override;

 private:
  ListSpec spec_;
};

class Upsert : public Node {
 public:
  static const char* schema();
  static void validate(const Json& config, std::vector<std::string>& errors);
  explicit Upsert(const NodeInit& init);
  Result process(Context& ctx) override;

  // For derived nodes: writes `doc` as `spec` says; returns its remote id.
  static RemoteId write(Context& ctx, const WriteSpec& spec, const Json& doc);

 private:
  WriteSpec spec_;
};

// The records of an answer at `records` (an array), or throws Outcome
// (failed) naming what came instead.
const Json& records_of(const Json& body, const FieldPath& records, const std::string& request);

}  // namespace weir::erp
